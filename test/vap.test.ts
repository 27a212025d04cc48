// The ValidatingAdmissionPolicy target, evaluated by the Kubernetes API
// server's own CEL and VAP code (k8s.io/apiserver v0.37.x), against the
// upstream evaluator: the corpus at each fixture's level and version, then
// distinct corpus pods and our own fixtures at every level × version.
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../src/model/checks/index.js';
import { overridingCheck } from '../src/model/registry.js';
import { ROOT } from '../src/render.js';
import { compare, type Outcome } from './harness/compare.js';
import { listCorpus } from './harness/corpus.js';
import { CEL_BUDGET, celCost } from './harness/cost.js';
import { ensureEngines } from './harness/engines.js';
import { loadPods, type PodCase } from './harness/pods.js';
import { grid } from './harness/targets.js';
import { runVap, vapDocuments, VapEngine } from './harness/vap.js';
import { OWN_FIXTURES, distinctCorpusPods } from './harness/fixtures.js';

const byLowerId = new Map(CHECKS.map((c) => [c.id.toLowerCase(), c.id]));

describe('generated VAP documents', () => {
  const targets = grid(['privileged', 'baseline', 'restricted'], ['v1.0', 'v1.8', 'v1.19', 'v1.22', 'v1.23', 'v1.25', 'v1.31', 'v1.34', 'v1.35', 'latest']);

  it.each(['1.30', '1.35'])('compile in the Kubernetes %s CEL environment and match the v1 types', (kubeVersion) => {
    const docs = targets.map((t) => vapDocuments(t, kubeVersion));
    const out = runVap(docs.map((d) => d[0]), [], [], kubeVersion, docs.map((d) => d[1]));
    expect(out.policies.flatMap((p) => [...(p.compileErrors ?? []), ...(p.schemaErrors ?? [])])).toEqual([]);
    expect(out.bindings!.flatMap((b) => b.schemaErrors ?? [])).toEqual([]);
  });

  it('are rejected by the same checks when broken (the checks are live)', () => {
    const [policy, binding] = vapDocuments({ level: 'restricted', version: 'latest' });
    const broken = structuredClone(policy!);
    broken.spec.validations[0].expression = 'object.spec.containers.all(i, c, true)';
    broken.spec.surprise = true;
    const out = runVap([broken], [], [], '1.30', [{ ...binding, spec: { ...binding!.spec, validationActions: ['Deny', 'Warn'] } }]);
    expect(out.policies[0]!.compileErrors!.join()).toMatch(/validations\[0\]\.expression/);
    expect(out.policies[0]!.schemaErrors!.join()).toMatch(/surprise/);
    expect(out.bindings![0]!.schemaErrors!.join()).toMatch(/both Deny and Warn/);
  });
});

describe('upstream fixture corpus through vap', async () => {
  const engines = ensureEngines();
  const fixtures = listCorpus(engines.corpusDir);
  const items = fixtures.map((f) => ({
    case: { ...loadPods([f.path])[0]!, id: `${f.level}/${f.version}/${f.expect}/${f.check}` },
    targets: [{ level: f.level, version: f.version }],
  }));
  const outcomes: Outcome[] = [];
  const report = (await compare(items, [new VapEngine()], (_, o) => outcomes.push(o))).engines[0]!;

  it('decides every fixture as upstream does, with upstream reasons and no evaluation error', () => {
    console.log(`vap corpus: ${report.evaluations} fixtures, ${report.verdictDisagreements} verdict and `
      + `${report.reasonDisagreements} reason disagreements, ${report.engineErrors} errors`);
    expect(report.evaluations).toBe(fixtures.length);
    expect(report.diffs.filter((d) => d.kind !== 'message').slice(0, 5)).toEqual([]);
    expect(report.engineErrors).toBe(0);
  });

  it('denies every fail fixture through its check (or the restricted check replacing it)', () => {
    const wrong = outcomes.flatMap((o, i) => {
      const f = fixtures[i]!;
      if (f.expect === 'pass') return o.decision.allowed ? [] : [`${o.pod.id}: denied`];
      const check = byLowerId.get(f.check)!;
      const expected = f.level === 'restricted' ? overridingCheck(check, Number(f.version.slice(3))) ?? check : check;
      return o.decision.checks.includes(expected) ? [] : [`${o.pod.id}: expected ${expected}, got [${o.decision.checks}]`];
    });
    expect(wrong).toEqual([]);
  });
});

describe.each([
  ['distinct upstream corpus pods', distinctCorpusPods],
  ['own fixtures', (): PodCase[] => loadPods([OWN_FIXTURES], ROOT)],
])('vap agrees with upstream: %s', async (name, load) => {
  const pods = load();
  const targets = grid(['privileged', 'baseline', 'restricted']);
  const items = pods.map((c) => ({ case: c, targets }));
  // Kubernetes 1.30 (the default) cannot sort in CEL; from 1.35 the messages must be upstream's, byte for byte
  const exact = new VapEngine('1.35');
  Object.defineProperty(exact, 'exactMessages', { value: true });
  const result = await compare(items, [new VapEngine(), exact]);
  const [v130, v135] = result.engines;

  it('matches every verdict and reason with Kubernetes 1.30 CEL, without evaluation errors', () => {
    console.log(`${name} through vap (kube 1.30): ${v130!.evaluations} evaluations, ${v130!.verdictDisagreements} verdict and `
      + `${v130!.reasonDisagreements} reason disagreements, ${v130!.engineErrors} errors; `
      + `${v130!.messageDisagreements} messages differ in detail (order or repeats of sorted sets)`);
    expect(v130!.evaluations).toBe(pods.length * targets.length);
    expect(v130!.diffs.filter((d) => d.kind !== 'message').slice(0, 5)).toEqual([]);
    expect(v130!.engineErrors).toBe(0);
  });

  it('matches every message byte for byte with Kubernetes 1.35 CEL', () => {
    console.log(`${name} through vap (kube 1.35): ${v135!.evaluations} evaluations, ${v135!.messageDisagreements} message disagreements`);
    expect(v135!.diffs.slice(0, 5)).toEqual([]);
    expect(v135!.engineErrors).toBe(0);
  });
});

describe('CEL cost', () => {
  it('stays under 1% of the runtime budget for restricted:latest at 1, 10 and 100 containers', () => {
    const figures = celCost();
    console.table(figures);
    for (const f of figures) expect(Math.max(f.compliant, f.violating)).toBeLessThan(CEL_BUDGET / 100);
  });
});
