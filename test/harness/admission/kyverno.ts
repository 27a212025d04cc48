// Admission engines `kyverno-vpol` and `kyverno-cpol` (Kyverno v1.19; see the
// README's admission table):
// - ValidatingPolicy: Kyverno's own engine as its webhook runs it
//   (test/engines/kyverno/vpol), given every AdmissionRequest whole, with the
//   case's Namespaces as its namespace resolver. Nothing is left unfed.
// - ClusterPolicy in namespace-label mode: Kyverno's engine as its webhook runs
//   it in a cluster (test/engines/kyverno/cpol), whose client serves the case's
//   Namespaces: the CLI gives validate.cel a namespaceObject without labels.
// - ClusterPolicy otherwise: the real Kyverno CLI, fed as much of each request as it
//   takes: the object, the namespaces (values file), the user (--userinfo), the
//   operation and the old object per resource (values file; the CLI merges that
//   old object's maps over the resource, so every field only the new object has
//   is given as null in the old one: unset, for the CEL as for Go). It cannot
//   be given a subresource (CEL always sees "") or CONNECT (run as CREATE).
// A request the CLI cannot take is reported as not fed, never approximated.
import { parseAllDocuments } from 'yaml';
import { compile } from '../../../src/compile.js';
import type { PlanUnit } from '../../../src/rules/plan.js';
import { ruleName } from '../../../src/targets/kyverno/index.js';
import { inUpstreamOrder } from '../engine.js';
import { CHECK_BY_RULE, ERROR_MESSAGE, runCpolEngine, runKyverno, runVpolEngine, stripPrefix, type KyvernoEngineFlavor, type KyvernoResult } from '../kyverno.js';
import { bundleFor, expectedPrefix, subjectOf, type Bundle, type Mode } from './bundle.js';
import { namespaceBatches, type AdmissionCase, type CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import type { OracleOutcome } from './oracle.js';

type Doc = Record<string, any>;

const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The old object to put in a values file so that the CLI, which merges its maps
 * key by key over the resource (pkg/engine/context mergeMaps), ends up with it:
 * each map key only the resource has becomes null.
 */
export function oldObjectForMerge(old: unknown, resource: unknown): unknown {
  if (!isMap(old) || !isMap(resource)) return old;
  const out: Doc = { ...old };
  for (const [k, v] of Object.entries(resource)) {
    if (!(k in old)) out[k] = null;
    else if (isMap(v) && isMap(old[k])) out[k] = oldObjectForMerge(old[k], v);
  }
  return out;
}

/** Why the CLI cannot be given this request (ClusterPolicy), if it cannot. */
export function notFedReason(c: AdmissionCase): string | undefined {
  const r = c.request;
  if (r.subResource) return 'the Kyverno CLI gives policies no subresource (CEL sees request.subResource "")';
  if (r.operation === 'CONNECT') return 'the Kyverno CLI runs CONNECT as CREATE';
  return undefined;
}

export class KyvernoAdmissionEngine implements AdmissionEngine {
  readonly id: string;
  readonly firstFailureOnly: boolean;
  constructor(private readonly flavor: KyvernoEngineFlavor) {
    this.id = `kyverno-${flavor}`;
    this.firstFailureOnly = flavor === 'vpol';
  }

  async evaluate(dir: CaseDir, expected: readonly OracleOutcome[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir, { target: 'kyverno', kyvernoFlavor: this.flavor === 'vpol' ? 'validatingpolicy' : 'clusterpolicy' });
    const allPolicies = compile(bundle.options).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Doc));
    if (this.flavor === 'vpol') return this.viaEngine(dir, bundle, allPolicies, expected);
    // the CLI gives validate.cel no namespace labels: label mode runs in the engine as in a cluster
    if (bundle.options.namespaceLabels) return this.viaEngine(dir, bundle, allPolicies, expected);
    const outcomes: AdmissionOutcome[] = dir.cases.map((c) => {
      const why = notFedReason(c);
      return why ? { allowed: true, modes: {}, notFed: why } : { allowed: true, modes: {} };
    });
    // one CLI run per user
    const runs = new Map<string, number[]>();
    dir.cases.forEach((c, i) => {
      if (outcomes[i]!.notFed) return;
      // and per subject: the CLI compiles every policy it is given for every resource, and a unit of
      // the other subject could only skip it (its kinds differ: VAP and gator prove the whole bundle's matching)
      const key = JSON.stringify([c.request.userInfo ?? {}, subjectOf(c.request) ?? '']);
      runs.set(key, [...(runs.get(key) ?? []), i]);
    });
    for (const members of runs.values()) {
      const first = dir.cases[members[0]!]!.request;
      const subject = subjectOf(first);
      const policies = allPolicies.filter((p) => subject === undefined || bundle.byName.get(p.metadata.name)?.subject === subject);
      const namespaces = [...new Map(members.flatMap((i) => dir.cases[i]!.namespaces).map((n) => [n.metadata?.name, n])).values()];
      const name = (i: number) => `case-${i}`;
      const renamed = (obj: Doc | null | undefined, i: number) =>
        (obj ? { ...obj, metadata: { ...(obj.metadata ?? {}), name: name(i), namespace: dir.cases[i]!.request.namespace } } : obj);
      const resources = members.map((i) => {
        const r = dir.cases[i]!.request;
        return renamed(r.operation === 'DELETE' ? r.oldObject : r.object, i);
      });
      const perResource = members.map((i) => {
        const r = dir.cases[i]!.request;
        const oldObject = r.operation === 'UPDATE' ? oldObjectForMerge(renamed(r.oldObject, i), resources[members.indexOf(i)]) : renamed(r.oldObject, i);
        return { name: name(i), values: { 'request.operation': r.operation, 'request.oldObject': oldObject ?? null } };
      });
      const values: Doc = { namespaces, policies: policies.map((p) => ({ name: p.metadata.name, resources: perResource })) };
      if (policies.length === 0) continue;
      const results = await runKyverno(policies, resources, { values, userInfo: first.userInfo });
      members.forEach((i) => {
        const mine = results.filter((r) => r.resources?.some((x) => x.name === name(i)));
        outcomes[i] = this.decide(bundle, mine, expected[i]);
      });
    }
    return outcomes;
  }

  /**
   * Policies through Kyverno's engine as its webhook runs it (the `kyverno-vpol`
   * or `kyverno-cpol` harness): every request whole, the case's Namespaces served.
   */
  private async viaEngine(dir: CaseDir, bundle: Bundle, policies: Doc[], expected: readonly OracleOutcome[]): Promise<AdmissionOutcome[]> {
    const outcomes: AdmissionOutcome[] = new Array(dir.cases.length);
    if (policies.length === 0) return dir.cases.map(() => ({ allowed: true, modes: {} }));
    for (const members of namespaceBatches(dir.cases)) {
      const namespaces = [...new Map(members.flatMap((i) => dir.cases[i]!.namespaces).map((n) => [n.metadata?.name, n])).values()];
      const requests = members.map((i) => dir.cases[i]!.request);
      const results: { error?: string; policies?: { name: string; rules: { name?: string; status: string; message?: string; properties?: Record<string, string> }[] }[] }[] =
        this.flavor === 'vpol' ? await runVpolEngine(policies, namespaces, requests) : await runCpolEngine(policies, namespaces, requests);
      members.forEach((caseIndex, n) => {
        const r = results[n]!;
        if (r.error) {
          outcomes[caseIndex] = { allowed: false, modes: {}, error: r.error };
          return;
        }
        outcomes[caseIndex] = this.decide(bundle, (r.policies ?? []).flatMap((p) => p.rules.map((rule): KyvernoResult => ({
          policy: p.name, rule: rule.name, result: rule.status as KyvernoResult['result'], message: rule.message, properties: rule.properties,
        }))), expected[caseIndex]);
      });
    }
    return outcomes;
  }

  /** Each result's policy is a unit of the plan: its mode is the unit's, its check the validation's or rule's. */
  private decide(bundle: Bundle, results: KyvernoResult[], expected: OracleOutcome | undefined): AdmissionOutcome {
    const failed: { check: string; mode: Mode }[] = [];
    for (const r of results) {
      if (r.result === 'pass' || r.result === 'skip') continue;
      const message = stripPrefix(r.message ?? '');
      if (r.result === 'error' || ERROR_MESSAGE.some((re) => re.test(message))) return { allowed: false, modes: {}, error: message };
      const unit: PlanUnit | undefined = bundle.byName.get(r.policy);
      if (!unit) return { allowed: false, modes: {}, error: `a result from an unknown policy ${r.policy}` };
      const prefix = expectedPrefix(unit, expected);
      if (prefix !== undefined && !message.startsWith(prefix)) return { allowed: false, modes: {}, error: `${r.policy}: message without PSA's prefix: ${message}` };
      const check = this.flavor === 'vpol'
        ? unit.checks[Number(r.properties?.['cel.validationIndex'])] ?? `validation ${r.properties?.['cel.validationIndex']}`
        : CHECK_BY_RULE.get(r.rule ?? '') ?? unit.checks.find((c) => ruleName(c) === r.rule) ?? String(r.rule);
      failed.push({ check, mode: unit.mode });
    }
    const modes: AdmissionOutcome['modes'] = {};
    for (const f of inUpstreamOrder(failed)) (modes[f.mode] ??= []).push(f.check);
    return { allowed: !modes.enforce, modes };
  }
}
