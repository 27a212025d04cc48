import type { Revision } from '../types.js';
import { not, oneOf } from '../../rules/build.js';
import type { Check } from '../types.js';

/** Safe sysctls added at each version; each list includes all earlier ones. */
const ADDED: readonly [number, readonly string[]][] = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies',
    'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
    'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

const revisions: Revision[] = ADDED.map(([since], i) => {
  const allowed = ADDED.slice(0, i + 1).flatMap(([, names]) => names);
  return {
    since,
    rule: {
      // names in spec order, unquoted, duplicates kept
      collections: {
        forbidden: { kind: 'items', list: ['securityContext', 'sysctls'], where: not(oneOf(['name'], allowed, '')), select: ['name'], unset: '' },
      },
      failWhen: ['forbidden'],
      reason: 'forbidden sysctls',
      detail: { joined: 'forbidden', sep: ', ' },
    },
  };
});

export const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  summary: 'Sysctls: only the safe sysctls may be set',
  revisions,
};
