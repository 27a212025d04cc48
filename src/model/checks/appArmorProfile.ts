import { all, any, eq, not, oneOf, plural, prefix, quoted, set, setters } from '../../rules/build.js';
import type { ValueSource } from '../../rules/ir.js';
import { containerSC } from '../pod.js';
import type { Check } from '../types.js';

const PROFILE = containerSC('appArmorProfile');
const TYPE = [...PROFILE, 'type'];
const ALLOWED_TYPES = ['RuntimeDefault', 'Localhost'];
const badProfile = all(set(PROFILE), not(oneOf(TYPE, ALLOWED_TYPES, '')));
const badType = (anchor: ValueSource['anchor']): ValueSource =>
  ({ anchor, where: set(PROFILE), path: TYPE, unset: '', keep: not(oneOf([], ALLOWED_TYPES, '')) });

// The deprecated annotations: any key with this prefix, whether or not such a container exists.
const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAnnotation = any(eq([], '', ''), eq([], 'runtime/default'), prefix([], 'localhost/'));

export const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  summary: 'AppArmor: the profile may only be RuntimeDefault or Localhost (field or annotation)',
  // The field checks were added to the v1.0 function in place, so they apply at every version.
  revisions: [{
    since: 0,
    rule: {
      collections: {
        pod: { kind: 'podFlag', where: badProfile },
        bad: { kind: 'containerNames', where: badProfile },
        types: { kind: 'values', from: [badType('spec'), badType('containers')] },
        annotations: { kind: 'annotations', keys: [{ kind: 'prefix', prefix: ANNOTATION_PREFIX }], allowed: allowedAnnotation },
        values: { kind: 'concat', of: ['types', 'annotations'] },
      },
      failWhen: ['pod', 'bad', 'annotations'],
      reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', 'values'),
      detail: [
        setters('pod', 'bad', { when: 'annotations', msg: plural('annotation', 'annotations', 'annotations') }),
        ' must not set AppArmor profile type to ', quoted('values'),
      ],
    },
  }],
};
