import { containers, eq, not, plural, some } from '../../rules/build.js';
import type { Check } from '../types.js';

const usesHostPort = not(eq(['hostPort'], 0, 0));

export const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  summary: 'Host Ports: host ports are forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: {
        bad: { kind: 'containerNames', where: some(['ports'], usesHostPort) },
        // a sorted set of decimal strings, so "100" sorts before "20"
        ports: {
          kind: 'values',
          from: [{ anchor: 'containers', list: ['ports'], path: ['hostPort'], unset: 0, keep: not(eq([], 0, 0)), format: 'int' }],
        },
      },
      failWhen: ['bad'],
      reason: 'hostPort',
      detail: [
        containers('bad'), ' ', plural('uses', 'use', 'bad'), ' ', plural('hostPort', 'hostPorts', 'ports'), ' ',
        { joined: 'ports', sep: ', ' },
      ],
    },
  }],
};
