// ValidatingAdmissionPolicy target: the policy (one validation per check, on the
// shared CEL lowering) and a binding carrying the action and exemptions.
import type { Document } from '../../bundle.js';
import { profile } from '../../model/registry.js';
import { versionLabel } from '../../model/version.js';
import type { Action, CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { lowerGateToCel } from '../cel/gate.js';
import { lowerToCel } from '../cel/lower.js';
import { podResources, exemptions } from '../admission.js';
import { admissionGate } from '../../rules/admission.js';
import { levelVersion, policyName } from '../names.js';

const VALIDATION_ACTIONS: Record<Action, string> = { enforce: 'Deny', audit: 'Audit', warn: 'Warn' };

export function vap(o: CompileOptions): Document[] {
  const p = profile(o.level, o.version);
  const name = policyName({ ...o, action: 'enforce' });
  const context = {
    policyName: name,
    bindingName: policyName(o),
    title: `Pod Security Standards ${levelVersion(o)}`,
    level: o.level,
    version: o.version.label,
    effectiveVersion: versionLabel(p.minor),
    kubeVersion: `1.${o.kubeMinor}`,
    generator: PACKAGE_VERSION,
    validationAction: VALIDATION_ACTIONS[o.action],
    exemptNamespaces: o.exemptNamespaces,
    resources: podResources(),
    matchConditions: lowerGateToCel(admissionGate('pod', exemptions(o)), { kubeMinor: o.kubeMinor }),
    ...lowerToCel(p.rules, { kubeMinor: o.kubeMinor }),
  };
  return [
    { file: `validatingadmissionpolicy-${name}.yaml`, yaml: render('vap/policy.yaml.hbs', context) },
    { file: `validatingadmissionpolicybinding-${context.bindingName}.yaml`, yaml: render('vap/binding.yaml.hbs', context) },
  ];
}
