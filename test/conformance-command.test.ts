import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { compare } from './harness/compare.js';
import type { Engine } from './harness/engine.js';
import { loadPods } from './harness/pods.js';

const conformance = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'dist/test/harness/conformance.js'), ...args], { encoding: 'utf8', cwd: ROOT });

describe('npm run conformance', () => {
  it('runs a directory of pod YAML through the oracle and rego-wasm and writes the JSON report', () => {
    const json = join(mkdtempSync(join(tmpdir(), 'pss-conf-')), 'report.json');
    const r = conformance('test/fixtures/pods/windows.yaml', 'test/fixtures/pods/userns.yaml', '--versions', 'v1.24,v1.25,v1.34,v1.35,latest', '--engines', 'rego-wasm,vap', '--json', json);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^rego-wasm\s+\d+\s+2\s+5\s/m);
    expect(r.stdout).toMatch(/^vap\s+\d+\s+2\s+5\s/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const pods = loadPods([join(ROOT, 'test/fixtures/pods/windows.yaml'), join(ROOT, 'test/fixtures/pods/userns.yaml')]).length;
    expect(report.pods).toBe(pods);
    expect(report.engines[0]).toMatchObject({ engine: 'rego-wasm', evaluations: pods * 2 * 5, verdictDisagreements: 0, messageDisagreements: 0 });
    expect(report.engines[1]).toMatchObject({ engine: 'vap', evaluations: pods * 2 * 5, verdictDisagreements: 0, reasonDisagreements: 0, engineErrors: 0 });
    expect(report.celCost.figures.map((f: { containers: number }) => f.containers)).toEqual([1, 10, 100]);
    for (const f of report.celCost.figures) expect(f.budgetShare).toBeLessThan(1);
  });

  it('compiles admission case directories in namespace-label mode with --namespace-labels', () => {
    const json = join(mkdtempSync(join(tmpdir(), 'pss-conf-')), 'report.json');
    // mixed-versions has no pod-security labels: the defaults decide, as without the flag
    const r = conformance('--admission', 'test/fixtures/admission/mixed-versions', '--namespace-labels', '--engines', 'rego-wasm', '--json', json);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/bundles in namespace-label mode/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.engines[0]).toMatchObject({ engine: 'rego-wasm', verdictDisagreements: 0, modeDisagreements: 0, errors: 0 });
    expect(report.engines[0].agreements).toBe(report.cases);
  });

  it('fuzzes with a seed it prints, and reports fail-open pods in the table and the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-conf-'));
    const json = join(dir, 'report.json');
    const r = conformance('--fuzz', '60', '--seed', '7', '--engines', 'rego-wasm', '--save', join(dir, 'found'), '--json', json);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fuzz: 60 generated pods, seed 7 (replay with --fuzz 60 --seed 7)');
    expect(r.stdout).toMatch(/^fail-open report/m);
    // default grid when fuzzing: both levels at every version boundary and latest
    expect(r.stdout).toMatch(/^rego-wasm\s+60\s+2\s+14\s+1680\s+1680\s/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.fuzz).toEqual({ pods: 60, seed: 7, findings: [] });
    expect(report.failOpenReport).toEqual([{ engine: 'rego-wasm', failOpenPods: 0, falseAlarmPods: 0, failOpen: 0, falseAlarms: 0 }]);
    expect(existsSync(join(dir, 'found'))).toBe(false);
  });

  it('fuzzes the slow Kyverno CLI at latest unless --versions says otherwise, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-conf-'));
    const json = join(dir, 'report.json');
    const r = conformance('--fuzz', '4', '--seed', '11', '--engines', 'rego-wasm,kyverno-cpol', '--json', json);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kyverno-cpol: versions latest (its default when fuzzing; --versions widens it)');
    expect(r.stdout).toMatch(/^rego-wasm\s+4\s+2\s+14\s+112\s/m);
    expect(r.stdout).toMatch(/^kyverno-cpol\s+4\s+2\s+1\s+8\s/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.versionsByEngine['kyverno-cpol']).toEqual(['latest']);
    expect(report.versionsByEngine['rego-wasm']).toHaveLength(14);
  });

  it.each([
    [['/nonexistent'], /no such file or directory/],
    [[], /give pod files or directories, or --fuzz N/],
    [['test/fixtures/pods', '--fuzz', '10'], /not both/],
    [['--fuzz', '0'], /--fuzz must be an integer ≥ 1/],
    [['--fuzz', '10', '--seed', 'abc'], /--seed must be an integer/],
    [['test/fixtures/pods', '--seed', '3'], /--seed and --save need --fuzz N/],
    [['test/fixtures/pods', '--engines', 'nope'], /unknown engine "nope"/],
    [['test/fixtures/pods', '--versions', 'v1.2.3'], /invalid version/],
    [['test/fixtures/pods', '--levels', 'strict'], /unknown level "strict"/],
    [['test/fixtures/pods', '--namespace-labels'], /--namespace-labels needs --admission/],
  ])('rejects bad input %j with exit code 2', (args, message) => {
    const r = conformance(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('counts an engine that admits what upstream rejects as fail-open', async () => {
    const admitAll: Engine = {
      id: 'admit-all', exactMessages: true, prepare: async () => undefined,
      evaluate: async (requests) => requests.map(() => ({ allowed: true, checks: [], message: '', parts: [] })),
    };
    const pods = loadPods([join(ROOT, 'test/fixtures/pods/windows.yaml')]);
    const result = await compare(pods.map((c) => ({ case: c, targets: [{ level: 'restricted', version: 'v1.24' }] })), [admitAll]);
    const report = result.engines[0]!;
    expect(report.failOpen).toBeGreaterThan(0);
    expect(report.failOpen).toBe(report.verdictDisagreements);
    expect(report.falseAlarms).toBe(0);
    expect(report.agreements + report.failOpen).toBe(pods.length);
  });
});
