// The CEL of one admission-plan unit, whichever way it selects its level:
// fixed by the configuration, or read from the namespace's labels.
import type { PlanUnit } from '../../rules/plan.js';
import { lowerLabelledToCel } from './labels.js';
import { lowerToCel, type CelPolicy } from './lower.js';

export function unitCel(u: PlanUnit, kubeMinor: number): CelPolicy {
  const cel = { kubeMinor, subject: u.subject };
  return u.labels
    ? lowerLabelledToCel(u.labels, cel)
    : lowerToCel(u.profile.rules, { ...cel, messagePrefix: u.messagePrefix, unlessDeniedBy: u.unlessDeniedBy?.rules });
}
