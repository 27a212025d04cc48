import { containers, eq, not, quoted, some } from '../../rules/build.js';
import type { Rule } from '../../rules/ir.js';
import { containerSC, windowsPod } from '../pod.js';
import type { Check } from '../types.js';

const ADD = containerSC('capabilities', 'add');
const DROP = containerSC('capabilities', 'drop');
const notNetBindService = not(eq([], 'NET_BIND_SERVICE', ''));

const rule: Omit<Rule, 'check'> = {
  collections: {
    // "ALL" exactly; a container without securityContext or capabilities misses it too
    missingDrop: { kind: 'containerNames', where: not(some(DROP, eq([], 'ALL'))) },
    badAdd: { kind: 'containerNames', where: some(ADD, notNetBindService) },
    caps: { kind: 'values', from: [{ anchor: 'containers', list: ADD, path: [], unset: '', keep: notNetBindService }] },
  },
  failWhen: ['missingDrop', 'badAdd'],
  reason: 'unrestricted capabilities',
  detail: {
    parts: [
      { when: 'missingDrop', msg: [containers('missingDrop'), ' must set securityContext.capabilities.drop=["ALL"]'] },
      { when: 'badAdd', msg: [containers('badAdd'), ' must not include ', quoted('caps'), ' in securityContext.capabilities.add'] },
    ],
    sep: '; ',
  },
};

export const capabilities_restricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  summary: 'Capabilities: containers must drop ALL and may add only NET_BIND_SERVICE',
  revisions: [
    { since: 22, rule, overrides: ['capabilities_baseline'] },
    // Windows pods pass, and the baseline capabilities check stays replaced for them
    { since: 25, rule: { ...rule, allowWhen: windowsPod }, overrides: ['capabilities_baseline'] },
  ],
};
