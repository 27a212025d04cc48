// Shared by seccompProfile_baseline and seccompProfile_restricted.
import { all, not, oneOf, set } from '../../rules/build.js';
import type { Collection, ValueSource } from '../../rules/ir.js';
import { containerSC } from '../pod.js';

export const SECCOMP_PROFILE = containerSC('seccompProfile');
const TYPE = [...SECCOMP_PROFILE, 'type'];
const VALID_TYPES = ['RuntimeDefault', 'Localhost'];

export const validSeccomp = oneOf(TYPE, VALID_TYPES, '');
export const badSeccomp = all(set(SECCOMP_PROFILE), not(validSeccomp));

const badType = (anchor: ValueSource['anchor']): ValueSource =>
  ({ anchor, where: set(SECCOMP_PROFILE), path: TYPE, unset: '', keep: not(oneOf([], VALID_TYPES, '')) });

/** pod flag, explicitly bad containers and the sorted bad types */
export const explicitSeccompCollections: Record<string, Collection> = {
  pod: { kind: 'podFlag', where: badSeccomp },
  bad: { kind: 'containerNames', where: badSeccomp },
  types: { kind: 'values', from: [badType('spec'), badType('containers')] },
};
