import { containers, eq, not } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { containerSC, windowsPod } from '../pod.js';
import type { Check } from '../types.js';

const rule: Omit<Rule, 'check'> = {
  // an unset field fails too: it must be explicitly false
  collections: { bad: { kind: 'containerNames', where: not(eq(containerSC('allowPrivilegeEscalation'), false)) } },
  failWhen: ['bad'],
  reason: 'allowPrivilegeEscalation != false',
  detail: [containers('bad'), ' must set securityContext.allowPrivilegeEscalation=false'],
};

export const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  summary: 'Privilege Escalation: containers must set allowPrivilegeEscalation to false',
  revisions: [
    { since: 8, rule },
    { since: 25, rule: { ...rule, allowWhen: windowsPod } },
  ],
};
