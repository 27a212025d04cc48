// Kyverno target: per unit of the admission plan, a ValidatingPolicy (default;
// the shared CEL lowering, as VAP) or a ClusterPolicy (Kyverno <= 1.16 users;
// one rule per check with the same CEL in validate.cel). Autogen is off: it
// would give workloads the pod policy's action; workload units have their own
// policies, reading the pod template at each kind's path, warn and audit only.
import type { Document } from '../../bundle.js';
import type { Mode } from '../../model/admission.js';
import type { CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { admissionPlan, type PlanUnit } from '../../rules/plan.js';
import { unitCel } from '../cel/unit.js';
import type { CelVariable } from '../cel/lower.js';
import { lowerGateToCel } from '../cel/gate.js';
import { podResources, resourceRules, workloadGroups } from '../admission.js';

const VPOL_ACTIONS: Record<Mode, string> = { enforce: 'Deny', warn: 'Warn', audit: 'Audit' };
/**
 * ClusterPolicy has no warn-only action: Audit records a policy report entry,
 * and emitWarning adds the warning. So warn also reports (README: cannot express).
 */
const CPOL_ACTIONS: Record<Mode, { failureAction: string; emitWarning: boolean }> = {
  enforce: { failureAction: 'Enforce', emitWarning: false },
  warn: { failureAction: 'Audit', emitWarning: true },
  audit: { failureAction: 'Audit', emitWarning: false },
};

/**
 * The variables a ClusterPolicy rule's expressions read, directly or through
 * other variables, in declaration order: Kyverno compiles every variable of a
 * rule for each request, so a rule carries only its own.
 */
function usedVariables(variables: readonly CelVariable[], expressions: readonly string[]): CelVariable[] {
  const used = new Set<string>();
  const visit = (expression: string): void => {
    for (const [, name] of expression.matchAll(/variables\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (used.has(name!)) continue;
      used.add(name!);
      const v = variables.find((x) => x.name === name);
      if (v) visit(v.expression);
    }
  };
  expressions.forEach(visit);
  return variables.filter((v) => used.has(v.name));
}

/** Kyverno rule names: lower case with hyphens */
export const ruleName = (check: string): string => check.replace(/_/g, '-').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

function unitDocument(u: PlanUnit, o: CompileOptions): Document {
  const cel = { kubeMinor: o.kubeMinor, subject: u.subject };
  const lowered = unitCel(u, cel);
  const workloads = workloadGroups();
  const context = {
    name: u.name,
    title: `Pod Security Standards (${u.title}), ${u.mode}${u.subject === 'workload' ? ' (workloads)' : ''}`,
    category: `Pod Security Standards (${u.level.charAt(0).toUpperCase()}${u.level.slice(1)})`,
    severity: u.level === 'restricted' ? 'medium' : 'high',
    description: u.subject === 'workload'
      ? `Pod templates of workload resources that Pod Security Admission would ${u.mode} about at ${u.title}; never denies.`
      : `Pods that Pod Security Admission's ${u.mode} mode reports at ${u.title}`
        + `${u.unlessTitle ? `, unless enforce (${u.unlessTitle}) already rejects them` : ''}; one message per failing check.`,
    subjectKinds: u.subject === 'pod' ? 'Pod' : workloads.flatMap((g) => g.kinds).join(', '),
    mode: u.mode,
    workload: u.subject === 'workload',
    level: u.level,
    version: u.version.label,
    effectiveVersion: u.effectiveVersion,
    generator: PACKAGE_VERSION,
    exemptNamespaces: o.exemptNamespaces,
    resourceRules: resourceRules(u.subject),
    kinds: u.subject === 'pod'
      ? podResources().map((r) => r.replace(/^pods/, 'Pod'))
      : workloads.flatMap((g) => g.kinds.map((k) => (g.group ? `${g.group}/v1/${k}` : k))),
    matchConditions: lowerGateToCel(u.gate, cel),
    ...lowered,
    validationAction: VPOL_ACTIONS[u.mode],
    ...CPOL_ACTIONS[u.mode],
    rules: lowered.validations.map((v) => ({ name: ruleName(v.check), ...v, variables: usedVariables(lowered.variables, [v.expression, v.messageExpression]) })),
  };
  return o.kyvernoFlavor === 'clusterpolicy'
    ? { file: `clusterpolicy-${u.name}.yaml`, yaml: render('kyverno/clusterpolicy.yaml.hbs', context) }
    : { file: `validatingpolicy-${u.name}.yaml`, yaml: render('kyverno/validatingpolicy.yaml.hbs', context) };
}

export function kyverno(o: CompileOptions): Document[] {
  return admissionPlan(o).map((u) => unitDocument(u, o));
}
