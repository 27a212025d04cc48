import { containers, eq, not, quoted, set, all } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { containerSC, userNamespacePod } from '../pod.js';
import type { Check } from '../types.js';

const PROC_MOUNT = containerSC('procMount');

/** upstream procMount_1_0, which procMount_restricted reuses unchanged */
export const procMountRule: Omit<Rule, 'check'> = {
  collections: {
    bad: { kind: 'containerNames', where: all(set(PROC_MOUNT), not(eq(PROC_MOUNT, 'Default'))) },
    types: { kind: 'values', from: [{ anchor: 'containers', where: set(PROC_MOUNT), path: PROC_MOUNT, keep: not(eq([], 'Default')) }] },
  },
  failWhen: ['bad'],
  reason: 'procMount',
  detail: [containers('bad'), ' must not set securityContext.procMount to ', quoted('types')],
};

export const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  summary: '/proc Mount Type: only the Default proc mount is allowed',
  revisions: [
    { since: 0, rule: procMountRule },
    { since: 35, rule: { ...procMountRule, allowWhen: userNamespacePod } },
  ],
};
