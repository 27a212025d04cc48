import { all, any, nonEmpty, not, oneOf, plural, quoted, set, setters } from '../../rules/build.js';
import type { ValueSource } from '../../rules/ir.js';
import { containerSC } from '../pod.js';
import type { Check, Revision } from '../types.js';

const OPTIONS = containerSC('seLinuxOptions');
const field = (name: string) => [...OPTIONS, name];

/** non-empty values of an option, at pod and container level */
const setValues = (name: string): ValueSource[] =>
  (['spec', 'containers'] as const).map((anchor) => ({ anchor, path: field(name), unset: '', keep: nonEmpty([]) }));

function revision(since: number, allowedTypes: readonly string[]): Revision {
  const badOptions = all(set(OPTIONS), any(not(oneOf(field('type'), allowedTypes, '')), nonEmpty(field('user')), nonEmpty(field('role'))));
  const badType = (anchor: ValueSource['anchor']): ValueSource =>
    ({ anchor, where: set(OPTIONS), path: field('type'), unset: '', keep: not(oneOf([], allowedTypes, '')) });
  return {
    since,
    rule: {
      collections: {
        pod: { kind: 'podFlag', where: badOptions },
        bad: { kind: 'containerNames', where: badOptions },
        types: { kind: 'values', from: [badType('spec'), badType('containers')] },
        user: { kind: 'values', from: setValues('user') },
        role: { kind: 'values', from: setValues('role') },
      },
      failWhen: ['pod', 'bad'],
      reason: 'seLinuxOptions',
      detail: [
        setters('pod', 'bad'), ' set forbidden securityContext.seLinuxOptions: ',
        {
          parts: [
            { when: 'types', msg: [plural('type', 'types', 'types'), ' ', quoted('types')] },
            { when: 'user', msg: 'user may not be set' },
            { when: 'role', msg: 'role may not be set' },
          ],
          sep: '; ',
        },
      ],
    },
  };
}

const TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];

export const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  summary: 'SELinux: custom SELinux users and roles are forbidden, types limited to the container ones',
  revisions: [revision(0, TYPES_1_0), revision(31, [...TYPES_1_0, 'container_engine_t'])],
};
