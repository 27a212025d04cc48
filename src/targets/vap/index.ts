// ValidatingAdmissionPolicy target: per unit of the admission plan, a policy
// (one validation per check, on the shared CEL lowering) and a binding with
// the mode's validation action and the exempt namespaces.
import type { Document } from '../../bundle.js';
import type { Mode } from '../../model/admission.js';
import type { CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { admissionPlan, type PlanUnit } from '../../rules/plan.js';
import { lowerGateToCel } from '../cel/gate.js';
import { unitCel } from '../cel/unit.js';
import { resourceRules } from '../admission.js';

const VALIDATION_ACTIONS: Record<Mode, string> = { enforce: 'Deny', warn: 'Warn', audit: 'Audit' };

function unitDocuments(u: PlanUnit, o: CompileOptions): Document[] {
  // the API server hands VAP each object converted from its typed form
  const cel = { kubeMinor: o.kubeMinor, subject: u.subject, typed: true };
  const context = {
    name: u.name,
    title: `Pod Security Standards ${u.title}, ${u.mode}${u.subject === 'workload' ? ' (workloads)' : ''}`,
    mode: u.mode,
    workload: u.subject === 'workload',
    level: u.level,
    version: u.version.label,
    effectiveVersion: u.effectiveVersion,
    kubeVersion: `1.${o.kubeMinor}`,
    generator: PACKAGE_VERSION,
    validationAction: VALIDATION_ACTIONS[u.mode],
    unlessTitle: u.unlessTitle,
    exemptNamespaces: o.exemptNamespaces,
    resourceRules: resourceRules(u.subject),
    matchConditions: lowerGateToCel(u.gate, cel),
    ...unitCel(u, cel),
  };
  return [
    { file: `validatingadmissionpolicy-${u.name}.yaml`, yaml: render('vap/policy.yaml.hbs', context) },
    { file: `validatingadmissionpolicybinding-${u.name}.yaml`, yaml: render('vap/binding.yaml.hbs', context) },
  ];
}

export function vap(o: CompileOptions): Document[] {
  return admissionPlan(o).flatMap((u) => unitDocuments(u, o));
}
