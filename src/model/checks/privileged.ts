import { containers, isTrue } from '../../rules/build.js';
import { containerSC } from '../pod.js';
import type { Check } from '../types.js';

export const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  summary: 'Privileged Containers: privileged containers are forbidden',
  revisions: [{
    since: 0,
    rule: {
      collections: { bad: { kind: 'containerNames', where: isTrue(containerSC('privileged')) } },
      failWhen: ['bad'],
      reason: 'privileged',
      detail: [containers('bad'), ' must not set securityContext.privileged=true'],
    },
  }],
};
