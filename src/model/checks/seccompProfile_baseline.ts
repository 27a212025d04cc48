import { any, eq, plural, prefix, quoted, setters } from '../../rules/build.js';
import type { Check } from '../types.js';
import { explicitSeccompCollections } from './seccomp.js';

const allowedAnnotation = any(eq([], 'runtime/default'), eq([], 'docker/default'), prefix([], 'localhost/'));

export const seccompProfile_baseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  summary: 'Seccomp: the Unconfined profile is forbidden',
  revisions: [
    {
      since: 0,
      rule: {
        collections: {
          // a present annotation with an empty value is forbidden; container keys only for existing containers
          annotations: {
            kind: 'annotations',
            keys: [
              { kind: 'exact', key: 'seccomp.security.alpha.kubernetes.io/pod' },
              { kind: 'perContainer', prefix: 'container.seccomp.security.alpha.kubernetes.io/' },
            ],
            allowed: allowedAnnotation,
          },
        },
        failWhen: ['annotations'],
        reason: 'seccompProfile',
        detail: ['forbidden ', plural('annotation', 'annotations', 'annotations'), ' ', { joined: 'annotations', sep: ', ' }],
      },
    },
    {
      since: 19,
      rule: {
        collections: explicitSeccompCollections,
        failWhen: ['pod', 'bad'],
        reason: 'seccompProfile',
        detail: [setters('pod', 'bad'), ' must not set securityContext.seccompProfile.type to ', quoted('types')],
      },
    },
  ],
};
