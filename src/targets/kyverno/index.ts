// Kyverno target. ValidatingPolicy (default) carries the shared CEL lowering as
// VAP does; ClusterPolicy (Kyverno <= 1.16 users) has one rule per check with
// the same CEL in validate.cel. Kyverno's autogen is off: it would give
// workloads the pod policy's action, so enforce would deny Deployments, which
// PSA only warns about. Workloads get their own policy (or rules) instead,
// reading the pod template at each kind's path, with warn and audit only.
import type { Document } from '../../bundle.js';
import { WORKLOAD_TEMPLATES } from '../../model/pod.js';
import { profile } from '../../model/registry.js';
import { versionLabel } from '../../model/version.js';
import type { Action, CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { lowerToCel } from '../cel/lower.js';
import { lowerGateToCel } from '../cel/gate.js';
import { admissionGate } from '../../rules/admission.js';
import { exemptions, podResources } from '../admission.js';
import { levelVersion, policyName } from '../names.js';

/** ValidatingPolicy validationActions for pods and for workloads (never Deny: PSA only warns and audits them) */
const VPOL_ACTIONS: Record<Action, { pods: string[]; workloads: string[] }> = {
  enforce: { pods: ['Deny'], workloads: ['Warn', 'Audit'] },
  audit: { pods: ['Audit'], workloads: ['Audit'] },
  warn: { pods: ['Warn'], workloads: ['Warn'] },
};
/** ClusterPolicy rule failureAction: Audit also reports (and, with emitWarning, warns) without blocking */
const CPOL_ACTIONS: Record<Action, { pods: string; workloads: string }> = {
  enforce: { pods: 'Enforce', workloads: 'Audit' },
  audit: { pods: 'Audit', workloads: 'Audit' },
  warn: { pods: 'Audit', workloads: 'Audit' },
};

/** Kyverno rule names: lower case with hyphens */
const ruleName = (check: string): string => check.replace(/_/g, '-').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

export function kyverno(o: CompileOptions): Document[] {
  const p = profile(o.level, o.version);
  const name = policyName(o);
  const cel = { kubeMinor: o.kubeMinor };
  const pod = { ...lowerToCel(p.rules, cel), matchConditions: lowerGateToCel(admissionGate('pod', exemptions(o)), cel) };
  const workload = {
    ...lowerToCel(p.rules, { ...cel, subject: 'workload' }),
    matchConditions: lowerGateToCel(admissionGate('workload', exemptions(o)), { ...cel, subject: 'workload' }),
  };
  const context = {
    name,
    title: `Pod Security Standards (${levelVersion(o)})`,
    category: `Pod Security Standards (${o.level.charAt(0).toUpperCase()}${o.level.slice(1)})`,
    severity: o.level === 'restricted' ? 'medium' : 'high',
    description: `Reports pods (and pod templates of workloads) that Pod Security Admission would reject at ${levelVersion(o)}, `
      + 'one message per failing check, with upstream\'s reason and detail.',
    level: o.level,
    version: o.version.label,
    effectiveVersion: versionLabel(p.minor),
    generator: PACKAGE_VERSION,
    exemptNamespaces: o.exemptNamespaces,
    workloadResources: WORKLOAD_TEMPLATES,
    podResources: podResources(),
    podKinds: podResources().map((r) => r.replace(/^pods/, 'Pod')),
    workloadGroups: [...new Set(WORKLOAD_TEMPLATES.map((w) => w.group))].map((group) => ({
      group,
      resources: WORKLOAD_TEMPLATES.filter((w) => w.group === group).map((w) => w.resource),
    })),
    workloadKinds: WORKLOAD_TEMPLATES.map((w) => (w.group ? `${w.group}/${w.version}/${w.kind}` : w.kind)),
    pod,
    workload,
    podActions: VPOL_ACTIONS[o.action].pods,
    workloadActions: VPOL_ACTIONS[o.action].workloads,
    rules: pod.validations.map((v, i) => ({
      name: ruleName(v.check),
      check: v.check,
      pod: v,
      workload: workload.validations[i]!,
    })),
    podFailureAction: CPOL_ACTIONS[o.action].pods,
    workloadFailureAction: CPOL_ACTIONS[o.action].workloads,
    emitWarning: o.action === 'warn' || o.action === 'enforce',
  };
  if (o.kyvernoFlavor === 'clusterpolicy') {
    return [{ file: `clusterpolicy-${name}.yaml`, yaml: render('kyverno/clusterpolicy.yaml.hbs', context) }];
  }
  return [
    { file: `validatingpolicy-${name}.yaml`, yaml: render('kyverno/validatingpolicy.yaml.hbs', { ...context, subject: 'pods' }) },
    { file: `validatingpolicy-${name}-workloads.yaml`, yaml: render('kyverno/validatingpolicy.yaml.hbs', { ...context, subject: 'workloads' }) },
  ];
}
