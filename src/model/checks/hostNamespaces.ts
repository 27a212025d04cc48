import { isTrue } from '../../rules/build.js';
import type { Check } from '../types.js';

const NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

export const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  summary: 'Host Namespaces: sharing the host\'s network, PID or IPC namespace is forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: {
        shared: { kind: 'labels', entries: NAMESPACES.map((f) => ({ where: isTrue([f]), label: `${f}=true` })) },
      },
      failWhen: ['shared'],
      reason: 'host namespaces',
      detail: { joined: 'shared', sep: ', ' },
    },
  }],
};
