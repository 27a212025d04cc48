import { all, containers, not, quoted, set, setters } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { windowsPod } from '../pod.js';
import type { Check } from '../types.js';
import { SECCOMP_PROFILE, explicitSeccompCollections, validSeccomp } from './seccomp.js';

const rule: Omit<Rule, 'check'> = {
  collections: {
    ...explicitSeccompCollections,
    explicit: { kind: 'concat', of: ['pod', 'bad'] },
    // containers without a profile of their own count only when the pod sets no valid one
    implicit: {
      kind: 'containerNames',
      where: not(set(SECCOMP_PROFILE)),
      podCond: not(all(set(SECCOMP_PROFILE), validSeccomp)),
    },
  },
  failWhen: ['explicit', 'implicit'],
  reason: 'seccompProfile',
  detail: {
    first: [
      { when: 'explicit', msg: [setters('pod', 'bad'), ' must not set securityContext.seccompProfile.type to ', quoted('types')] },
      { when: 'implicit', msg: ['pod or ', containers('implicit'), ' must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'] },
    ],
  },
};

export const seccompProfile_restricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  summary: 'Seccomp: the profile must be RuntimeDefault or Localhost',
  revisions: [
    { since: 19, rule, overrides: ['seccompProfile_baseline'] },
    { since: 25, rule: { ...rule, allowWhen: windowsPod }, overrides: ['seccompProfile_baseline'] },
  ],
};
