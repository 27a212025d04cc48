import { any, plural, quoted, set, not } from '../../rules/build.js';
import { ALLOWED_VOLUME_SOURCES, RESTRICTED_VOLUME_SOURCES } from '../pod.js';
import type { Check } from '../types.js';

const restricted = not(any(...ALLOWED_VOLUME_SOURCES.map((source) => set([source]))));

export const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  summary: 'Volume Types: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected and secret',
  revisions: [{
    since: 0,
    overrides: ['hostPathVolumes'],
    rule: {
      collections: {
        volumes: { kind: 'items', list: ['volumes'], where: restricted, select: ['name'], unset: '' },
        types: { kind: 'itemKinds', list: ['volumes'], where: restricted, kinds: RESTRICTED_VOLUME_SOURCES, otherwise: 'unknown' },
      },
      failWhen: ['volumes'],
      reason: 'restricted volume types',
      detail: [
        plural('volume', 'volumes', 'volumes'), ' ', quoted('volumes'), ' ', plural('uses', 'use', 'volumes'), ' ',
        plural('restricted volume type', 'restricted volume types', 'types'), ' ', quoted('types'),
      ],
    },
  }],
};
