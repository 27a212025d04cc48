// Conditions as short English, for guards and exemptions: the few cases where
// a condition cannot be a field's value set.
import type { Cond, Path, Scalar } from '../rules/ir.js';
import { itemBase, render } from './locate.js';

/** Strings quoted as in a manifest, numbers and booleans bare. */
export const showValue = (v: Scalar): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

export const showValues = (vs: readonly Scalar[]): string => vs.map(showValue).join(', ');

const samePath = (a: Path, b: Path): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** `unset` matches too when it reads as an accepted value. */
const orUnset = (matches: boolean): string => (matches ? ' or unset' : '');

export function describeCond(cond: Cond): string {
  switch (cond.op) {
    case 'eq': return `${render(cond.path)} is ${showValue(cond.value)}${orUnset(cond.unset === cond.value)}`;
    case 'in': return `${render(cond.path)} is one of ${showValues(cond.values)}${orUnset(cond.unset !== undefined && cond.values.includes(cond.unset))}`;
    case 'prefix': return `${render(cond.path)} starts with ${showValue(cond.prefix)}`;
    case 'set': return `${render(cond.path)} is set`;
    case 'all': return cond.conds.map(nested).join(' and ');
    case 'any': return cond.conds.map(nested).join(' or ');
    case 'some': {
      const inner = cond.cond;
      if (inner.op === 'eq' && samePath(inner.path, itemBase(cond.path))) return `${render(cond.path)} includes ${showValue(inner.value)}`;
      return `${render(cond.path)} has an item where ${describeCond(inner)}`;
    }
    case 'not': {
      const inner = cond.cond;
      switch (inner.op) {
        case 'set': return `${render(inner.path)} is unset`;
        case 'eq': return `${render(inner.path)} is not ${showValue(inner.value)}`;
        case 'in': return `${render(inner.path)} is not one of ${showValues(inner.values)}`;
        default: return `not (${describeCond(inner)})`;
      }
    }
  }
}

const nested = (c: Cond): string => (c.op === 'all' || c.op === 'any' ? `(${describeCond(c)})` : describeCond(c));
