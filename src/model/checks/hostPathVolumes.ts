import { plural, quoted, set } from '../../rules/build.js';
import type { Check } from '../types.js';

export const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  summary: 'HostPath Volumes: hostPath volumes are forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: { volumes: { kind: 'items', list: ['volumes'], where: set(['hostPath']), select: ['name'], unset: '' } },
      failWhen: ['volumes'],
      reason: 'hostPath volumes',
      detail: [plural('volume', 'volumes', 'volumes'), ' ', quoted('volumes')],
    },
  }],
};
