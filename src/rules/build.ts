// Small constructors that keep the check files close to upstream's wording.
import type { Cond, Msg, Path, Scalar } from './ir.js';

export const eq = (path: Path, value: Scalar, unset?: Scalar): Cond =>
  unset === undefined ? { op: 'eq', path, value } : { op: 'eq', path, value, unset };
export const isTrue = (path: Path): Cond => eq(path, true);
export const set = (path: Path): Cond => ({ op: 'set', path });
export const oneOf = (path: Path, values: readonly string[], unset?: string): Cond =>
  unset === undefined ? { op: 'in', path, values } : { op: 'in', path, values, unset };
export const prefix = (path: Path, p: string): Cond => ({ op: 'prefix', path, prefix: p });
export const not = (cond: Cond): Cond => ({ op: 'not', cond });
export const all = (...conds: Cond[]): Cond => ({ op: 'all', conds });
export const any = (...conds: Cond[]): Cond => ({ op: 'any', conds });
export const some = (path: Path, cond: Cond): Cond => ({ op: 'some', path, cond });
/** a string field that is set to something other than "" */
export const nonEmpty = (path: Path): Cond => not(eq(path, '', ''));

/** upstream pluralize(singular, plural, len(collection)) */
export const plural = (singular: string, pluralForm: string, count: string): Msg => ({
  plural: [singular, pluralForm],
  count,
});
/** upstream joinQuote(collection) */
export const quoted = (collection: string): Msg => ({ quoted: collection });
/** `container "a"` / `containers "a", "b"` */
export const containers = (collection: string): Msg => [
  plural('container', 'containers', collection),
  ' ',
  quoted(collection),
];
/** upstream's "badSetters" list: `pod`, then the containers, joined by " and " */
export const setters = (podFlag: string, containerNames: string, ...more: { when: string; msg: Msg }[]): Msg => ({
  parts: [
    { when: podFlag, msg: 'pod' },
    { when: containerNames, msg: containers(containerNames) },
    ...more,
  ],
  sep: ' and ',
});
