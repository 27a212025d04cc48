// Namespace-label mode: bundles that read each namespace's
// pod-security.kubernetes.io labels, request by request against upstream's
// admission plugin (which reads the same labels from the case's Namespace).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { MODES } from '../src/model/admission.js';
import { levelLabel, versionLabel } from '../src/model/namespaceLabels.js';
import { BOUNDARY_MINORS, NEWEST_MINOR } from '../src/model/registry.js';
import { LEVELS } from '../src/model/types.js';
import { parseVersion } from '../src/model/version.js';
import { VERSION_NOT_CARRIED } from '../src/rules/labels.js';
import { subjectOf } from './harness/admission/bundle.js';
import { asSent, findCaseDirs, loadCaseDir, type CaseDir } from './harness/admission/cases.js';
import { compareAdmission } from './harness/admission/compare.js';
import type { AdmissionOutcome } from './harness/admission/outcome.js';
import { ADMISSION_ENGINES } from './harness/admission/registry.js';
import { admissionSummary } from './harness/admission/report.js';
import { randomUpdates } from './harness/fuzz/updates.js';

type Obj = Record<string, any>;

const dirs = findCaseDirs([join(ROOT, 'test/fixtures/admission-labels')]).map((d) => loadCaseDir(d, ROOT));
const engines = Object.entries(ADMISSION_ENGINES)
  .filter(([id]) => !process.env.PSS_TEST_ENGINES || process.env.PSS_TEST_ENGINES.split(',').includes(id));

const psaLabels = (c: { namespaces: Obj[] }): Record<string, string> =>
  Object.fromEntries(Object.entries(c.namespaces[0]?.metadata?.labels ?? {}).filter(([k]) => k.startsWith('pod-security.kubernetes.io/'))) as Record<string, string>;

/**
 * Every engine is given every label-mode request: gator-cel through
 * Gatekeeper's client as its webhook reviews (gator verify sends no
 * Namespace), kyverno-cpol through Kyverno's engine as in a cluster (the CLI
 * gives validate.cel no labels).
 */
const unfeedable = (_id: string, _c: CaseDir['cases'][number]): boolean => false;

const validVersion = (v: string): boolean => {
  try {
    parseVersion(v);
    return true;
  } catch {
    return false;
  }
};

describe('namespace-label cases', async () => {
  const cases = dirs.flatMap((d) => d.cases);
  const { oracle } = await compareAdmission(dirs, []);
  const outcome = (c: (typeof cases)[number]) => oracle[c.id]!;

  it('are compiled in namespace-label mode', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(4);
    expect(dirs.every((d) => d.compile.namespaceLabels === true)).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it('cover each label with valid and invalid values', () => {
    for (const mode of MODES) {
      const levels = cases.map((c) => psaLabels(c)[levelLabel(mode)]).filter((v): v is string => v !== undefined);
      const versions = cases.map((c) => psaLabels(c)[versionLabel(mode)]).filter((v): v is string => v !== undefined);
      expect(levels.some((l) => (LEVELS as readonly string[]).includes(l)), `${mode}: a level`).toBe(true);
      expect(versions.some(validVersion), `${mode}-version: a version`).toBe(true);
      expect(versions.length, `${mode}-version labelled`).toBeGreaterThan(0);
    }
    // invalid enforce levels fail closed, invalid warn and audit levels open, invalid versions read as latest
    const invalidLevels = cases.filter((c) => MODES.some((m) => {
      const l = psaLabels(c)[levelLabel(m)];
      return l !== undefined && !(LEVELS as readonly string[]).includes(l);
    }));
    expect(invalidLevels.some((c) => psaLabels(c)[levelLabel('enforce')] !== undefined && !outcome(c).allowed)).toBe(true);
    expect(new Set(invalidLevels.flatMap((c) => MODES.filter((m) => psaLabels(c)[levelLabel(m)] !== undefined
      && !(LEVELS as readonly string[]).includes(psaLabels(c)[levelLabel(m)]!)))).size).toBe(3);
    const invalidVersions = cases.flatMap((c) => MODES.map((m) => psaLabels(c)[versionLabel(m)]).filter((v): v is string => v !== undefined && !validVersion(v)));
    expect(new Set(invalidVersions).size).toBeGreaterThanOrEqual(4);
    // upstream reports parse errors; each invalid case reaches that branch
    expect(cases.filter((c) => outcome(c).auditAnnotations?.error).length).toBeGreaterThanOrEqual(10);
  });

  it('label both sides of the version boundaries, and versions above the newest', () => {
    const labelled = cases.flatMap((c) => MODES.map((m) => psaLabels(c)[versionLabel(m)]).filter((v): v is string => v !== undefined && validVersion(v)));
    const minors = new Set(labelled.map((v) => parseVersion(v).minor).filter((m): m is number => m !== undefined));
    const boundaries = BOUNDARY_MINORS.filter((b) => b > 0 && minors.has(b) && minors.has(b - 1));
    expect(boundaries.length, `boundaries labelled on both sides: ${boundaries.join(', ')}`).toBeGreaterThanOrEqual(10);
    expect([...minors].some((m) => m > NEWEST_MINOR)).toBe(true);
    // and upstream reports at versions on both sides
    const printed = new Set(Object.values(oracle).flatMap((o) => Object.values(o.modes ?? {}).map((m) => m!.policy.split(':')[1])));
    expect(printed.size).toBeGreaterThanOrEqual(15);
  });

  it('have warn follow a stricter enforce label, with and without a warn-version label', () => {
    const follows = cases.filter((c) => {
      const l = psaLabels(c);
      const warn = outcome(c).modes?.warn?.policy;
      return l[levelLabel('warn')] === undefined && l[levelLabel('enforce')] !== undefined && warn?.startsWith(`${l[levelLabel('enforce')]}:`)
        && d(c).config.defaults?.warn !== l[levelLabel('enforce')];
    });
    expect(follows.some((c) => psaLabels(c)[versionLabel('warn')] !== undefined)).toBe(true);
    expect(follows.some((c) => psaLabels(c)[versionLabel('warn')] === undefined)).toBe(true);
  });

  it('exempt namespaces, users and runtime classes in labelled namespaces, and warn and audit workloads without denying them', () => {
    const exempt = cases.filter((c) => Object.keys(psaLabels(c)).length > 0).map((c) => outcome(c).auditAnnotations?.exempt).filter(Boolean);
    expect(new Set(exempt)).toEqual(new Set(['namespace', 'user', 'runtimeClass']));
    const workloads = cases.filter((c) => subjectOf(c.request) === 'workload');
    expect(workloads.length).toBeGreaterThanOrEqual(15);
    expect(workloads.every((c) => outcome(c).allowed)).toBe(true);
    expect(workloads.some((c) => outcome(c).modes?.warn) && workloads.some((c) => outcome(c).modes?.audit)).toBe(true);
  });

  describe.each(engines)('through %s', async (id, make) => {
    const result = await compareAdmission(dirs, [make()]);
    const report = result.engines[0]!;
    it('decides every case as upstream\'s admission plugin does, with the same checks and level:version per mode', () => {
      console.log(admissionSummary(result));
      expect(report.diffs).toEqual([]);
      expect(report.agreements + report.notFed.length).toBe(cases.length);
    });
    it('is given every request its tool can take', () => {
      expect(report.notFed.map((n) => n.case)).toEqual(cases.filter((c) => unfeedable(id, c)).map((c) => c.id));
    });
  });

  function d(c: (typeof cases)[number]): CaseDir {
    return dirs.find((x) => x.cases.includes(c))!;
  }
});

// A bundle carrying some versions: a label naming another version's rules
// must not pass. Upstream knows every version, so these outcomes are the
// bundle's own promise (README), asserted as such; carried versions are
// compared with upstream as usual.
describe('a namespace labelled with a version the bundle does not carry', async () => {
  const config = {
    apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration',
    defaults: { enforce: 'baseline', 'enforce-version': 'latest', warn: 'privileged', audit: 'privileged' },
  };
  const pod = (ns: string): Obj => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: ns },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: 'registry.k8s.io/pause', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  });
  const labelled: [string, Record<string, string>, AdmissionOutcome | 'upstream'][] = [
    ['enforce-v1-22', { [levelLabel('enforce')]: 'restricted', [versionLabel('enforce')]: 'v1.22' }, { allowed: false, modes: { enforce: [VERSION_NOT_CARRIED] } }],
    ['enforce-v1-0', { [versionLabel('enforce')]: 'v1.0' }, { allowed: false, modes: { enforce: [VERSION_NOT_CARRIED] } }],
    ['warn-v1-20', { [levelLabel('warn')]: 'restricted', [versionLabel('warn')]: 'v1.20' }, { allowed: true, modes: { warn: [VERSION_NOT_CARRIED] } }],
    ['audit-v1-30', { [levelLabel('audit')]: 'baseline', [versionLabel('audit')]: 'v1.30' }, { allowed: true, modes: { audit: [VERSION_NOT_CARRIED] } }],
    // privileged allows everything at every version; v1.26 and v1.99 use carried rules (v1.25's, latest's)
    ['privileged-v1-22', { [levelLabel('enforce')]: 'privileged', [versionLabel('enforce')]: 'v1.22' }, 'upstream'],
    ['enforce-v1-26', { [levelLabel('enforce')]: 'restricted', [versionLabel('enforce')]: 'v1.26' }, 'upstream'],
    ['enforce-v1-99', { [levelLabel('enforce')]: 'restricted', [versionLabel('enforce')]: 'v1.99' }, 'upstream'],
    ['warn-v1-25', { [levelLabel('warn')]: 'restricted', [versionLabel('warn')]: 'v1.25' }, 'upstream'],
  ];
  const dir: CaseDir = {
    dir: 'carried versions v1.25, latest', configText: JSON.stringify(config), config,
    compile: { namespaceLabels: true, versions: ['v1.25', 'latest'] },
    cases: labelled.map(([ns, labels]) => ({
      id: ns,
      namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns, ...labels } } }],
      request: asSent({
        uid: ns, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        name: 'app', namespace: ns, operation: 'CREATE', userInfo: { username: 'jane' }, object: pod(ns), oldObject: null,
      }),
    })),
  };
  const { oracle } = await compareAdmission([dir], []);
  // where upstream cannot say, the bundle's promise stands in for its outcome
  const promised = labelled.map(([id, , want]) => (want === 'upstream' ? undefined : want));
  const withPromises = async (id: string): Promise<{ outcomes: AdmissionOutcome[]; upstream: AdmissionOutcome[] }> => {
    const upstream = dir.cases.map((c) => ({ allowed: oracle[c.id]!.allowed, modes: Object.fromEntries(Object.entries(oracle[c.id]!.modes ?? {}).map(([m, r]) => [m, r!.checks])) }));
    const expected = upstream.map((u, i) => promised[i] ?? { ...u, raw: oracle[dir.cases[i]!.id] });
    return { outcomes: await ADMISSION_ENGINES[id]!().evaluate(dir, expected as never), upstream };
  };

  it('is a case upstream decides otherwise, so only the bundle says no', () => {
    promised.forEach((p, i) => {
      if (p) expect(oracle[dir.cases[i]!.id]!.modes?.[Object.keys(p.modes)[0] as 'enforce']).toBeUndefined();
    });
  });

  it.each(engines.map(([id]) => id))('%s: denies (enforce) or reports (warn, audit) the version, and decides carried versions as upstream', async (id) => {
    const { outcomes, upstream } = await withPromises(id);
    outcomes.forEach((o, i) => {
      const c = dir.cases[i]!;
      if (unfeedable(id, c)) return;
      expect(o.error, c.id).toBeUndefined();
      expect(o.mismatch, c.id).toBeUndefined();
      expect({ allowed: o.allowed, modes: o.modes }, c.id).toEqual(promised[i] ?? upstream[i]);
    });
  });
});

/** ClusterPolicy's validate.cel compiles every rule's CEL for each request (about 1 s a request here), so it fuzzes a sample. */
const CPOL_FUZZ_SAMPLE = 60;

describe('fuzzed UPDATE requests in labelled namespaces', async () => {
  const seed = 20261201;
  const fuzz = randomUpdates(seed, 250, true);
  const sample: CaseDir = { ...fuzz, cases: fuzz.cases.slice(0, CPOL_FUZZ_SAMPLE) };
  const result = await compareAdmission([fuzz], engines.filter(([id]) => id !== 'kyverno-cpol').map(([, make]) => make()));
  const sampled = engines.some(([id]) => id === 'kyverno-cpol') ? await compareAdmission([sample], [ADMISSION_ENGINES['kyverno-cpol']!()]) : undefined;
  const outcomes = fuzz.cases.map((c) => result.oracle[c.id]!);

  it('draw every label, valid and invalid, and reach every level in every mode', () => {
    expect(JSON.stringify(randomUpdates(seed, 250, true))).toBe(JSON.stringify(fuzz));
    for (const mode of MODES) {
      const drawn = fuzz.cases.map((c) => psaLabels(c)[levelLabel(mode)]).filter((v) => v !== undefined);
      expect(drawn.length).toBeGreaterThan(30);
      expect(drawn.some((v) => !(LEVELS as readonly string[]).includes(v!))).toBe(true);
    }
    const policies = new Set(outcomes.flatMap((o) => Object.entries(o.modes ?? {}).map(([m, r]) => `${m} ${r!.policy.split(':')[0]}`)));
    for (const p of ['enforce baseline', 'enforce restricted', 'warn restricted', 'audit baseline']) expect(policies).toContain(p);
    expect(outcomes.filter((o) => o.auditAnnotations?.error).length).toBeGreaterThan(20);
  });

  it.each(engines.map(([id]) => id))('%s decides each as upstream does', (id) => {
    const [run, cases] = id === 'kyverno-cpol' ? [sampled!, sample.cases] : [result, fuzz.cases];
    const report = run.engines.find((r) => r.engine === id)!;
    console.log(admissionSummary({ ...run, engines: [report] }));
    expect(report.cases).toBe(cases.length);
    expect(report.diffs).toEqual([]);
    expect(report.notFed.map((n) => n.case)).toEqual(cases.filter((c) => unfeedable(id, c)).map((c) => c.id));
  });
});
