// The CEL of one admission-plan unit, whichever way it selects its level:
// fixed by the configuration, or read from the namespace's labels.
import type { PlanUnit } from '../../rules/plan.js';
import { lowerLabelledToCel } from './labels.js';
import { lowerToCel, type CelOptions, type CelPolicy } from './lower.js';

export function unitCel(u: PlanUnit, cel: CelOptions): CelPolicy {
  return u.labels
    ? lowerLabelledToCel(u.labels, cel)
    : lowerToCel(u.profile.rules, { ...cel, messagePrefix: u.messagePrefix, unlessDeniedBy: u.unlessDeniedBy?.rules });
}
