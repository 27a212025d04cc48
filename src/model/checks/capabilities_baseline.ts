import { containers, not, oneOf, quoted, some } from '../../rules/build.js';
import { containerSC } from '../pod.js';
import type { Check } from '../types.js';

const ADD = containerSC('capabilities', 'add');
/** exact, case-sensitive names without the CAP_ prefix */
const DEFAULT_CAPABILITIES = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];
const nonDefault = not(oneOf([], DEFAULT_CAPABILITIES, ''));

export const capabilities_baseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  summary: 'Capabilities: adding capabilities beyond the default set is forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: {
        bad: { kind: 'containerNames', where: some(ADD, nonDefault) },
        caps: { kind: 'values', from: [{ anchor: 'containers', list: ADD, path: [], unset: '', keep: nonDefault }] },
      },
      failWhen: ['bad'],
      reason: 'non-default capabilities',
      detail: [containers('bad'), ' must not include ', quoted('caps'), ' in securityContext.capabilities.add'],
    },
  }],
};
