import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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

  it.each([
    [['/nonexistent'], /no such file or directory/],
    [['test/fixtures/pods', '--engines', 'nope'], /unknown engine "nope"/],
    [['test/fixtures/pods', '--versions', 'v1.2.3'], /invalid version/],
    [['test/fixtures/pods', '--levels', 'strict'], /unknown level "strict"/],
  ])('rejects bad input %j with exit code 2', (args, message) => {
    const r = conformance(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
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
