// What is particular to the ValidatingAdmissionPolicy target (the corpus and
// reference comparisons run for every engine in corpus.test.ts and
// reference.test.ts): the documents compile in the Kubernetes CEL environments
// and match the v1 types, messages are exact from Kubernetes 1.35, and the
// runtime cost stays small.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compile } from '../src/compile.js';
import { resolveOptions } from '../src/options.js';
import { ROOT } from '../src/render.js';
import { compare } from './harness/compare.js';
import { CEL_BUDGET, celCost, labelCelCost } from './harness/cost.js';
import { loadPods, type PodCase } from './harness/pods.js';
import { grid } from './harness/targets.js';
import { runVap, vapDocuments, VapEngine } from './harness/vap.js';
import { OWN_FIXTURES, distinctCorpusPods } from './harness/fixtures.js';

describe('generated VAP documents', () => {
  const targets = grid(['baseline', 'restricted'], ['v1.0', 'v1.8', 'v1.19', 'v1.22', 'v1.23', 'v1.25', 'v1.31', 'v1.34', 'v1.35', 'latest']);

  it.each(['1.30', '1.35'])('compile in the Kubernetes %s CEL environment and match the v1 types', (kubeVersion) => {
    const docs = targets.map((t) => vapDocuments(t, kubeVersion));
    const out = runVap(docs.map((d) => d[0]), [], [], kubeVersion, docs.map((d) => d[1]));
    expect(out.policies.flatMap((p) => [...(p.compileErrors ?? []), ...(p.schemaErrors ?? [])])).toEqual([]);
    expect(out.bindings!.flatMap((b) => b.schemaErrors ?? [])).toEqual([]);
  });

  it.each(['1.30', '1.35'])('compile in the Kubernetes %s CEL environment in namespace-label mode, every unit', (kubeVersion) => {
    const docs = compile(resolveOptions({ target: 'vap', level: 'restricted', action: 'enforce,warn,audit', namespaceLabels: true, versions: 'v1.22,v1.30,latest', kubeVersion }))
      .flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));
    const policies = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy');
    expect(policies.length).toBe(5);
    const out = runVap(policies, [], [], kubeVersion, docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding'));
    expect(out.policies.flatMap((p) => [...(p.compileErrors ?? []), ...(p.schemaErrors ?? [])])).toEqual([]);
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

describe.each([
  ['distinct upstream corpus pods', distinctCorpusPods],
  ['own fixtures', (): PodCase[] => loadPods([OWN_FIXTURES], ROOT)],
])('vap with Kubernetes 1.35 CEL: %s', async (name, load) => {
  const pods = load();
  const targets = grid(['baseline', 'restricted']);
  // Kubernetes 1.30 CEL (the default, tested with every engine) cannot sort; from 1.35 the messages must be upstream's
  const exact = new VapEngine('1.35');
  Object.defineProperty(exact, 'exactMessages', { value: true });
  const report = (await compare(pods.map((c) => ({ case: c, targets })), [exact])).engines[0]!;

  it('matches every message byte for byte', () => {
    console.log(`${name} through vap (kube 1.35): ${report.evaluations} evaluations, ${report.messageDisagreements} message disagreements`);
    expect(report.evaluations).toBe(pods.length * targets.length);
    expect(report.diffs.slice(0, 5)).toEqual([]);
    expect(report.engineErrors).toBe(0);
  });
});

describe('CEL cost', () => {
  it('stays under 1% of the runtime budget for restricted:latest at 1, 10 and 100 containers', () => {
    const figures = celCost();
    console.table(figures);
    for (const f of figures) expect(Math.max(f.compliant, f.violating)).toBeLessThan(CEL_BUDGET / 100);
  });

  it('stays under 2% in namespace-label mode carrying every version, whichever version the namespace labels', () => {
    const { figures } = labelCelCost();
    console.table(figures);
    expect(figures.map((f) => f.version)).toEqual(expect.arrayContaining(['latest', 'v1.22']));
    for (const f of figures) expect(Math.max(f.compliant, f.violating)).toBeLessThan(CEL_BUDGET / 50);
  });
});
