import { containers, eq, not, set, setters } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { containerSC, podSC, userNamespacePod } from '../pod.js';
import type { Check } from '../types.js';

const FIELD = containerSC('runAsNonRoot');

const rule: Omit<Rule, 'check'> = {
  collections: {
    pod: { kind: 'podFlag', where: eq(podSC('runAsNonRoot'), false) },
    bad: { kind: 'containerNames', where: eq(FIELD, false) },
    explicit: { kind: 'concat', of: ['pod', 'bad'] },
    // containers that leave it unset count only when the pod does not set true
    implicit: { kind: 'containerNames', where: not(set(FIELD)), podCond: not(eq(podSC('runAsNonRoot'), true)) },
  },
  failWhen: ['explicit', 'implicit'],
  reason: 'runAsNonRoot != true',
  detail: {
    first: [
      { when: 'explicit', msg: [setters('pod', 'bad'), ' must not set securityContext.runAsNonRoot=false'] },
      { when: 'implicit', msg: ['pod or ', containers('implicit'), ' must set securityContext.runAsNonRoot=true'] },
    ],
  },
};

export const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  summary: 'Running as Non-root: containers must run as non-root users',
  revisions: [
    { since: 0, rule },
    { since: 35, rule: { ...rule, allowWhen: userNamespacePod } },
  ],
};
