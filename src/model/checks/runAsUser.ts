import { eq, setters } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { containerSC, podSC, userNamespacePod } from '../pod.js';
import type { Check } from '../types.js';

const rule: Omit<Rule, 'check'> = {
  collections: {
    pod: { kind: 'podFlag', where: eq(podSC('runAsUser'), 0) },
    bad: { kind: 'containerNames', where: eq(containerSC('runAsUser'), 0) },
  },
  failWhen: ['pod', 'bad'],
  reason: 'runAsUser=0',
  detail: [setters('pod', 'bad'), ' must not set runAsUser=0'],
};

export const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  summary: 'Running as Non-root user: runAsUser must not be 0',
  revisions: [
    { since: 23, rule },
    { since: 35, rule: { ...rule, allowWhen: userNamespacePod } },
  ],
};
