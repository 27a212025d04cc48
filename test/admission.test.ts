// Admission parity: every case directory under test/fixtures/admission (a
// PodSecurityConfiguration and AdmissionReview files) through upstream's own
// admission code and through every engine, fed whole requests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { findCaseDirs, loadCaseDir } from './harness/admission/cases.js';
import { compareAdmission } from './harness/admission/compare.js';
import { ADMISSION_ENGINES } from './harness/admission/registry.js';
import { admissionSummary } from './harness/admission/report.js';
import { IGNORED_POD_SUBRESOURCES, MODES } from '../src/model/admission.js';
import { WORKLOAD_TEMPLATES } from '../src/model/pod.js';
import { subjectOf } from './harness/admission/bundle.js';
import { RegoWasmAdmissionEngine } from './harness/admission/regoWasm.js';
import { GatorAdmissionEngine } from './harness/admission/gator.js';
import { runAdmissionOracle } from './harness/admission/oracle.js';
import { randomUpdates } from './harness/fuzz/updates.js';

const dirs = findCaseDirs([join(ROOT, 'test/fixtures/admission')]).map((d) => loadCaseDir(d, ROOT));
const engines = Object.entries(ADMISSION_ENGINES)
  .filter(([id]) => !process.env.PSS_TEST_ENGINES || process.env.PSS_TEST_ENGINES.split(',').includes(id));

describe('admission cases', async () => {
  const cases = dirs.flatMap((d) => d.cases);
  const { oracle } = await compareAdmission(dirs, []);
  const outcomes = Object.values(oracle);

  it('cover every branch of PSA\'s pod admission', () => {
    expect(cases.length).toBeGreaterThanOrEqual(160);
    const ops = new Set(cases.map((c) => c.request.operation));
    expect([...ops].sort()).toEqual(['CONNECT', 'CREATE', 'DELETE', 'UPDATE']);
    const subs = new Set(cases.map((c) => c.request.subResource ?? ''));
    for (const s of [...IGNORED_POD_SUBRESOURCES, 'ephemeralcontainers', 'resize']) expect(subs).toContain(s);
    // upstream both allows and denies, updates are both skipped and evaluated, and each exemption kind is hit
    expect(outcomes.some((o) => o.allowed) && outcomes.some((o) => !o.allowed)).toBe(true);
    const exempt = new Set(outcomes.map((o) => o.auditAnnotations?.exempt).filter(Boolean));
    expect([...exempt].sort()).toEqual(['namespace', 'runtimeClass', 'user']);
    const updates = cases.map((c, i) => [c, outcomes[i]!] as const).filter(([c]) => c.request.operation === 'UPDATE' && !c.request.subResource);
    expect(updates.some(([, o]) => !o.allowed)).toBe(true);
    expect(updates.some(([, o]) => o.allowed && !o.auditAnnotations?.['enforce-policy'] && !o.auditAnnotations?.exempt)).toBe(true);
    expect(outcomes.some((o) => o.warnings?.length)).toBe(true);
    expect(outcomes.some((o) => o.auditAnnotations?.['audit-violations'] && o.allowed)).toBe(true);
  });

  it('hold configurations whose modes differ in level or version, and PSA\'s rule that enforce silences warn', () => {
    const mixed = dirs.filter((d) => {
      const set = MODES.map((m) => [d.config.defaults?.[m], d.config.defaults?.[`${m}-version`] ?? 'latest']).filter(([l]) => l && l !== 'privileged');
      return new Set(set.map(([l, v]) => `${l}:${v}`)).size >= 2;
    });
    expect(mixed.length).toBeGreaterThanOrEqual(4);
    const mixedCases = mixed.flatMap((d) => d.cases);
    expect(mixedCases.length).toBeGreaterThanOrEqual(60);
    const byCase = (c: (typeof cases)[number]) => oracle[c.id]!;
    // denied by enforce with warn configured: no warning, yet audit still records
    expect(mixedCases.some((c) => !byCase(c).allowed && !byCase(c).warnings?.length && byCase(c).modes?.audit)).toBe(true);
    // warn and audit report different checks for the same request (different levels or versions)
    expect(mixedCases.some((c) => byCase(c).modes?.warn && byCase(c).modes?.audit
      && JSON.stringify(byCase(c).modes!.warn!.checks) !== JSON.stringify(byCase(c).modes!.audit!.checks))).toBe(true);
  });

  it('warn about and audit every workload kind, deny none, and skip their subresources', () => {
    const workloads = cases.filter((c) => subjectOf(c.request) === 'workload');
    for (const w of WORKLOAD_TEMPLATES) {
      const ofKind = workloads.filter((c) => c.request.kind.kind === w.kind && c.request.resource.resource === w.resource && !c.request.subResource);
      expect(ofKind.some((c) => oracle[c.id]!.modes?.warn), `${w.kind} warned`).toBe(true);
      expect(ofKind.some((c) => oracle[c.id]!.modes?.audit), `${w.kind} audited`).toBe(true);
    }
    expect(workloads.every((c) => oracle[c.id]!.allowed)).toBe(true);
    const scales = cases.filter((c) => c.request.subResource === 'scale' && WORKLOAD_TEMPLATES.some((w) => w.resource === c.request.resource.resource));
    expect(scales.length).toBeGreaterThanOrEqual(1);
    expect(scales.every((c) => oracle[c.id]!.allowed && !oracle[c.id]!.modes)).toBe(true);
    expect(workloads.filter((c) => c.request.operation === 'UPDATE' && oracle[c.id]!.modes?.warn).length).toBeGreaterThanOrEqual(1);
  });

  describe.each(engines)('through %s', async (id, make) => {
    const result = await compareAdmission(dirs, [make()]);
    const report = result.engines[0]!;
    it('decides every case as upstream\'s admission plugin does, with the same checks per mode', () => {
      console.log(admissionSummary(result));
      expect(report.cases).toBe(cases.length);
      expect(report.diffs).toEqual([]);
      expect(report.agreements + report.notFed.length).toBe(cases.length);
    });
    it('is given every request its tool can take', () => {
      expect(report.notFed.map((n) => n.case)).toEqual(cases.filter((c) => unfeedable(id, c)).map((c) => c.id));
    });
    it('never denies a workload', () => {
      const workloads = cases.filter((c) => subjectOf(c.request) === 'workload' && !unfeedable(id, c));
      expect(workloads.length).toBeGreaterThanOrEqual(25);
      expect(report.diffs.filter((d) => workloads.some((c) => c.id === d.case))).toEqual([]);
    });
    it('never denies an update that upstream allows', () => {
      const allowedUpdates = cases.filter((c) => c.request.operation === 'UPDATE' && oracle[c.id]!.allowed && !unfeedable(id, c));
      const denied = report.diffs.filter((d) => allowedUpdates.some((c) => c.id === d.case));
      if (!unfeedable(id, { request: { operation: 'UPDATE' } } as (typeof cases)[number])) expect(allowedUpdates.length).toBeGreaterThanOrEqual(15);
      expect(denied).toEqual([]);
    });
  });

  // The cases must catch the admission bugs of hand-written policy libraries: each planted one is found.
  const planted: [string, string, (rego: string) => string, RegExp][] = [
    ['evaluates every request (no gate at all)', 'false alarm', (r) => r.replace(/^\tnot _skipped\n/gm, ''), /update-labels/],
    ['evaluates every UPDATE (no significance rule)', 'false alarm', (r) => r.replace('not _significant_update', 'false'), /update-finalizers-removed/],
    ['skips every UPDATE', 'fail-open', (r) => r.replace('not _significant_update', 'true'), /ephemeral-added-privileged/],
    ['matches ephemeral containers by any old one of the same name', 'fail-open', (r) => r.replace(/not _first_is\(olds, (.*)\)/, 'not $1 in olds'), /ephemeral-duplicate-name-first-wins/],
    ['ignores the subresource', 'false alarm', (r) => r.replace(/^# ignored subresources\n_skipped if \{/m, '_never if {'), /subresource-status-ignored/],
    ['treats resize as an ignored subresource', 'fail-open', (r) => r.replace('"status"}', '"status", "resize"}'), /resize-subresource-image/],
    ['warns about a pod that enforce rejects', 'warn reports', (r) => r.replace(/^\tnot _enforce_denies\n/gm, ''), /recommended\/create-baseline-violation/],
    ['reads a CronJob\'s pod template where a Job keeps it', 'warn reports', (r) => r.replace(/\["spec", "jobTemplate", "spec", "template"\]/, '["spec", "template"]'), /cronjob-/],
    ['compares usernames by prefix', 'fail-open', (r) => r.replace(/(object\.get\(input, \["review", "userInfo", "username"\], ""\)) (?:in (\{[^}]*\}|_exempt_usernames)|== ("[^"]*"))/,
      (_, user: string, set?: string, one?: string) => (set ? `some u in ${set}; startswith(${user}, u)` : `startswith(${user}, ${one})`)), /exempt-user-suffix-near-miss/],
  ];
  it.each(planted)('catches a bundle that %s', async (_, kind, edit, where) => {
    const { engines: [report] } = await compareAdmission(dirs, [new RegoWasmAdmissionEngine('v1', edit, 'planted')]);
    const found = report!.diffs.filter((d) => d.what.startsWith(kind));
    expect(found.map((d) => d.case).join('\n')).toMatch(where);
  });

  it.each(['rego', 'cel'] as const)('gator verify (%s) flags every case whose asserted outcome is not what the bundle does', async (mode) => {
    if (!engines.some(([id]) => id === `gator-${mode}`)) return;
    const dir = dirs.find((d) => d.dir.endsWith('restricted-latest'))!;
    const [expected] = runAdmissionOracle([dir]);
    // each case asserted with the next case's outcome
    const wrong = expected!.map((_, i) => expected![(i + 1) % expected!.length]!);
    // the bundle's constraints match Pods only: other kinds (exec options, evictions) are asserted to have no violation
    const differing = expected!.filter((e, i) => subjectOf(dir.cases[i]!.request) === 'pod'
      && JSON.stringify(e.modes.enforce ?? []) !== JSON.stringify(wrong[i]!.modes.enforce ?? []));
    const outcomes = await new GatorAdmissionEngine(mode).evaluate(dir, wrong);
    expect(differing.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.mismatch).length).toBe(differing.length);
  });
});

describe('fuzzed UPDATE requests', async () => {
  const seed = 20261130;
  const dir = randomUpdates(seed, 300);
  const result = await compareAdmission([dir], engines.map(([, make]) => make()));
  const outcomes = dir.cases.map((c) => result.oracle[c.id]!);

  it('are deterministic, and mix insignificant and significant updates, both verdicts, subresources and exemptions', () => {
    expect(JSON.stringify(randomUpdates(seed, 300))).toBe(JSON.stringify(dir));
    const skipped = outcomes.filter((o) => o.allowed && !o.auditAnnotations?.['enforce-policy'] && !o.auditAnnotations?.exempt);
    const evaluated = outcomes.filter((o) => o.auditAnnotations?.['enforce-policy']);
    expect(skipped.length).toBeGreaterThan(50);
    expect(evaluated.filter((o) => o.allowed).length).toBeGreaterThanOrEqual(5);
    expect(evaluated.filter((o) => !o.allowed).length).toBeGreaterThan(50);
    expect(new Set(outcomes.map((o) => o.auditAnnotations?.exempt).filter(Boolean)).size).toBe(3);
    expect(new Set(dir.cases.map((c) => c.request.subResource ?? '')).size).toBeGreaterThanOrEqual(4);
  });

  it.each(engines.map(([id]) => id))('%s decides each as upstream does', (id) => {
    const report = result.engines.find((r) => r.engine === id)!;
    console.log(admissionSummary({ ...result, engines: [report] }));
    expect(report.diffs).toEqual([]);
    expect(report.notFed.map((n) => n.case)).toEqual(dir.cases.filter((c) => unfeedable(id, c)).map((c) => c.id));
  });
});

/** What each engine's tool cannot be given (the README's admission table): a subresource or CONNECT for the Kyverno CLI (ClusterPolicy). */
function unfeedable(id: string, c: { request: { subResource?: string; operation: string } }): boolean {
  return id === 'kyverno-cpol' && (Boolean(c.request.subResource) || c.request.operation === 'CONNECT');
}
