// Pod templates of workloads through the Kyverno CLI: PSA warns about and
// audits a workload whose template it would reject, and never denies it. Every
// one of the eight kinds is covered; verdicts and reasons must match the
// oracle's decision on the same template.
import { describe, expect, it } from 'vitest';
import { WORKLOAD_TEMPLATES } from '../src/model/pod.js';
import { ROOT } from '../src/render.js';
import type { LevelVersion } from './harness/engine.js';
import { OWN_FIXTURES } from './harness/fixtures.js';
import { kyvernoDocuments, runKyverno, type KyvernoEngineFlavor } from './harness/kyverno.js';
import { compile } from '../src/compile.js';
import { resolveOptions } from '../src/options.js';
import { parseAllDocuments } from 'yaml';
import { violationPrefix } from '../src/model/admission.js';
import { runOracle } from './harness/oracle.js';
import { loadPods } from './harness/pods.js';

const TARGETS: LevelVersion[] = [{ level: 'baseline', version: 'v1.25' }, { level: 'restricted', version: 'latest' }];

/** The pod as the template of a workload of the given kind, at that kind's template path. */
function wrap(pod: Record<string, any>, i: number): Record<string, any> {
  const w = WORKLOAD_TEMPLATES[i % WORKLOAD_TEMPLATES.length]!;
  const template = { metadata: { labels: { app: 'x' }, annotations: pod.metadata?.annotations }, spec: pod.spec };
  const resource: Record<string, any> = {
    apiVersion: w.group ? `${w.group}/${w.version}` : w.version, kind: w.kind, metadata: { name: `w${i}`, namespace: 'default' },
  };
  let at = resource;
  w.template.slice(0, -1).forEach((k) => { at = at[k] ??= {}; });
  at[w.template.at(-1)!] = template;
  if (w.kind !== 'PodTemplate' && w.kind !== 'CronJob') resource.spec.selector = { matchLabels: { app: 'x' } };
  if (w.kind === 'CronJob') resource.spec.schedule = '@hourly';
  return resource;
}

describe.each(['vpol', 'cpol'] as KyvernoEngineFlavor[])('kyverno-%s on workloads', async (flavor) => {
  const pods = ['windows.yaml', 'userns.yaml', 'overrides.yaml', 'seccomp-annotations.yaml', 'nulls.yaml']
    .flatMap((f) => loadPods([`${OWN_FIXTURES}/${f}`], ROOT));
  const resources = pods.map((p, i) => wrap(p.pod, i));
  const oracle = runOracle(pods.map((p) => p.pod), pods.map(() => TARGETS.map((t) => [t.level, t.version] as const)));

  // the bundle of a configuration that warns at t, as PSA's warn mode
  const warnDocuments = (t: LevelVersion) => compile(resolveOptions({
    target: 'kyverno', level: t.level, policyVersion: t.version, action: 'warn', kyvernoFlavor: flavor === 'vpol' ? 'validatingpolicy' : 'clusterpolicy',
  })).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));

  it('never denies a workload: warn and audit only, and enforce alone gives workloads nothing', () => {
    const all = compile(resolveOptions({
      target: 'kyverno', defaults: { enforce: 'restricted', warn: 'restricted', audit: 'baseline' }, kyvernoFlavor: flavor === 'vpol' ? 'validatingpolicy' : 'clusterpolicy',
    })).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));
    const workloadPolicies = all.filter((d) => d.metadata.name.includes('-workloads-'));
    expect(workloadPolicies.map((d) => d.metadata.annotations['pss-compile.dev/mode'])).toEqual(['warn', 'audit']);
    for (const doc of workloadPolicies) {
      if (flavor === 'vpol') expect(doc.spec.validationActions).not.toContain('Deny');
      else for (const rule of doc.spec.rules) expect(rule.validate.failureAction).toBe('Audit');
    }
    for (const t of TARGETS) expect(kyvernoDocuments(t, flavor).filter((d) => d.metadata.name.includes('-workloads-'))).toEqual([]);
  });

  it.each(TARGETS)('reports a workload exactly when upstream rejects its template, with upstream reasons: $level:$version', async (t) => {
    const j = TARGETS.indexOf(t);
    const results = await runKyverno(warnDocuments(t), resources);
    const prefix = violationPrefix('warn', `${t.level}:${t.version}`);
    const wrong: string[] = [];
    resources.forEach((r, i) => {
      const mine = results.filter((x) => x.resources?.some((res) => res.name === r.metadata.name));
      const failed = mine.filter((x) => x.result === 'fail' || x.result === 'error');
      const verdict = oracle[i]!.verdicts![j]!;
      // ValidatingPolicy stops at the first failing validation; ClusterPolicy reports every rule
      const expectedReasons = flavor === 'vpol' ? verdict.reasons.slice(0, 1) : [...verdict.reasons];
      // Kyverno lists rule results in its own order: compare ClusterPolicy reasons as sets
      const reasons = failed.map((x) => ((x.message ?? '').startsWith(prefix) ? x.message!.slice(prefix.length) : `no prefix: ${x.message}`).split(' (')[0]!);
      if (flavor === 'cpol') {
        reasons.sort();
        expectedReasons.sort();
      }
      if (mine.length === 0) wrong.push(`${r.kind} ${pods[i]!.id}: no result`);
      else if (failed.some((x) => x.result === 'error')) wrong.push(`${r.kind} ${pods[i]!.id}: error ${failed[0]!.message}`);
      else if (reasons.join('|') !== expectedReasons.join('|')) wrong.push(`${r.kind} ${pods[i]!.id}: [${reasons}] vs upstream [${expectedReasons}]`);
    });
    console.log(`kyverno-${flavor} workloads at ${t.level}:${t.version}: ${resources.length} workloads of ${WORKLOAD_TEMPLATES.length} kinds, `
      + `${oracle.filter((o) => !o.verdicts![j]!.allowed).length} rejected by upstream, ${wrong.length} disagreements`);
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
