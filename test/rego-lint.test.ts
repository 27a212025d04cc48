// The Rego the Gatekeeper target generates passes the ecosystem's own tools,
// for every golden Gatekeeper case (levels and versions, options, mixed,
// namespace labels), in Rego v1 and v0: `opa fmt` leaves every module
// byte for byte as it is, `opa check --strict` compiles it, and Regal reports
// nothing under test/engines/regal/config.yaml. Each tool runs once per Rego
// version over all the modules (Regal once for both), not once per module.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../src/render.js';
import { LINE_WIDTH as REGO_LINE_WIDTH } from '../src/wrap.js';
import { ensureEngines } from './harness/engines.js';
import { goldenCases, renderGolden } from './harness/golden.js';

type RegoVersion = 'v0' | 'v1';
interface Module {
  version: RegoVersion;
  pkg: string;
  source: string;
  /** the golden cases that generate it */
  from: string[];
  /** where it is written: <dir>/<version>/<batch>/<package>/policy.rego (Regal wants a package's directory named after it) */
  path?: string;
}

interface CodeBlock { engine?: string; source?: { rego?: string; version?: string; libs?: string[] } }
interface Target { rego?: string; libs?: string[]; code?: CodeBlock[] }

/** Every Rego module (and lib) of each ConstraintTemplate in the golden Gatekeeper cases, one entry per distinct text. */
function generatedModules(): Module[] {
  const modules = new Map<string, Module>();
  const add = (version: RegoVersion, source: string, from: string): void => {
    const key = `${version}\n${source}`;
    const known = modules.get(key);
    if (known) {
      known.from.push(from);
      return;
    }
    const pkg = /^package\s+(\S+)/m.exec(source)?.[1];
    if (!pkg) throw new Error(`${from}: a Rego module without a package`);
    modules.set(key, { version, pkg, source, from: [from] });
  };
  for (const [file, options] of goldenCases()) {
    if (!file.startsWith('gatekeeper/')) continue;
    for (const doc of parseAllDocuments(renderGolden(options))) {
      const o = doc.toJS() as { kind?: string; spec?: { targets?: Target[] } } | null;
      if (o?.kind !== 'ConstraintTemplate') continue;
      for (const t of o.spec?.targets ?? []) {
        // the legacy field is Rego v0; a code block is v0 unless it says v1
        for (const m of [...(t.rego ? [t.rego] : []), ...(t.libs ?? [])]) add('v0', m, file);
        for (const c of t.code ?? []) {
          if (c.engine !== 'Rego') continue;
          const version: RegoVersion = c.source?.version === 'v1' ? 'v1' : 'v0';
          for (const m of [...(c.source?.rego ? [c.source.rego] : []), ...(c.source?.libs ?? [])]) add(version, m, file);
        }
      }
    }
  }
  return [...modules.values()];
}

interface Run { status: number | null; stdout: string; stderr: string }

const run = (bin: string, args: string[]): Run => {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('generated Rego passes opa fmt, opa check --strict and Regal', () => {
  const modules = generatedModules();
  const engines = ensureEngines();
  let dir = '';
  /** per Rego version, the batch directories: each holds one module per package, so that a batch compiles as one */
  const batches: Record<RegoVersion, string[]> = { v0: [], v1: [] };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pss-rego-lint-'));
    const packages: Record<RegoVersion, Set<string>[]> = { v0: [], v1: [] };
    for (const m of modules) {
      const sets = packages[m.version];
      let batch = sets.findIndex((s) => !s.has(m.pkg));
      if (batch < 0) {
        batch = sets.push(new Set()) - 1;
        batches[m.version].push(join(dir, m.version, String(batch)));
      }
      sets[batch]!.add(m.pkg);
      m.path = join(dir, m.version, String(batch), m.pkg, 'policy.rego');
      mkdirSync(join(m.path, '..'), { recursive: true });
      writeFileSync(m.path, m.source);
    }
    // Regal reads the Rego version of a directory from its bundle manifest
    if (batches.v0.length > 0) writeFileSync(join(dir, 'v0', '.manifest'), JSON.stringify({ rego_version: 0 }));
    if (batches.v1.length > 0) writeFileSync(join(dir, 'v1', '.manifest'), JSON.stringify({ rego_version: 1 }));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the modules of every golden Gatekeeper case, in both Rego versions', () => {
    const cases = [...goldenCases().keys()].filter((f) => f.startsWith('gatekeeper/'));
    const withRego = new Set(modules.flatMap((m) => m.from));
    // every case carries Rego except the CEL-only one, and privileged, which has no policy
    expect(cases.filter((f) => !withRego.has(f)).sort()).toEqual(['gatekeeper/options/restricted-latest-cel-only.yaml', 'gatekeeper/privileged-latest.yaml']);
    expect(modules.filter((m) => m.version === 'v1').length).toBeGreaterThan(40);
    expect(modules.filter((m) => m.version === 'v0').length).toBeGreaterThan(0);
  });

  it(`keeps every line within ${REGO_LINE_WIDTH} characters`, () => {
    const long = modules.flatMap((m) => m.source.split('\n').map((line, i) => ({ at: `${m.from[0]} ${m.pkg}:${i + 1}`, length: line.length })))
      .filter((l) => l.length > REGO_LINE_WIDTH);
    expect(long).toEqual([]);
  });

  it.each(['v1', 'v0'] as const)('opa fmt leaves every Rego %s module unchanged', (version) => {
    const flags = version === 'v0' ? ['--v0-compatible'] : [];
    const r = run(engines.opa, ['fmt', '--diff', '--fail', ...flags, join(dir, version)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(['v1', 'v0'] as const)('opa check --strict compiles every Rego %s module', (version) => {
    const flags = version === 'v0' ? ['--v0-compatible'] : [];
    const r = run(engines.opa, ['check', '--strict', ...flags, ...batches[version]]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('Regal reports no violation', () => {
    const r = run(engines.regal, ['lint', '--config-file', join(ROOT, 'test/engines/regal/config.yaml'), '--format', 'json', dir]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as {
      violations?: { title: string; location: { file: string; row: number; text?: string } }[];
      summary: { files_scanned: number; files_failed: number; num_violations: number };
    };
    const violations = (report.violations ?? []).map((v) => `${v.title} at ${v.location.file}:${v.location.row}: ${v.location.text ?? ''}`);
    expect(violations).toEqual([]);
    expect(report.summary).toMatchObject({ files_scanned: modules.length, files_failed: 0, num_violations: 0 });
    expect(r.status).toBe(0);
  });
});
