// Walks a rule's failure condition into per-field constraints: the failure is
// negated (De Morgan) down to literals on single fields, and each conjunction's
// leading conditions become the constraint's if/unless guards.
import { all, any, not } from '../rules/build.js';
import type { Cond, Msg, Path, Rule } from '../rules/ir.js';
import { failure, itemBase, locate, anchorBase, render } from './locate.js';
import { describeCond } from './text.js';
import type { Constraint } from './types.js';

type Leaf = Extract<Cond, { op: 'eq' | 'in' | 'prefix' | 'set' }>;
/** A constraint before its guards are folded in, with the field still a path. */
type Allowed = Omit<Constraint, 'field' | 'if' | 'unless'> & { path: Path };

const isLeaf = (c: Cond): c is Leaf => c.op === 'eq' || c.op === 'in' || c.op === 'prefix' || c.op === 'set';
const startsWith = (path: Path, head: Path): boolean => head.length <= path.length && head.every((s, i) => s === path[i]);
const samePath = (a: Path, b: Path): boolean => a.length === b.length && startsWith(a, b);
const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Whether an unset field satisfies a positive literal (unset reads as `unset` when given). */
function acceptsUnset(c: Leaf): boolean {
  if (c.op === 'eq') return c.unset !== undefined && c.unset === c.value;
  if (c.op === 'in') return c.unset !== undefined && c.values.includes(c.unset);
  return false;
}

/** Drops `set(X)` from a conjunction that also tests a field under X which cannot hold when unset. */
function simplify(c: Cond): Cond {
  switch (c.op) {
    case 'not': return not(simplify(c.cond));
    case 'any': return any(...c.conds.map(simplify));
    case 'some': return { ...c, cond: simplify(c.cond) };
    case 'all': {
      const conds = c.conds.map(simplify);
      const implied = (x: Cond): boolean => x.op === 'set' && conds.some((o) =>
        o !== x && isLeaf(o) && o.op !== 'set' && startsWith(o.path, x.path) && !acceptsUnset(o));
      const kept = conds.filter((x) => !implied(x));
      return kept.length === 1 ? kept[0]! : all(...kept);
    }
    default: return c;
  }
}

/** The constraint a literal (possibly negated) puts on its field. */
function literal(c: Leaf, negated: boolean): Allowed {
  const path = c.path;
  if (c.op === 'set') return { path, unset: negated ? 'required' : 'forbidden' };
  const unsetOk = acceptsUnset(c);
  if (!negated) {
    const unset = unsetOk ? 'allowed' : 'forbidden';
    return c.op === 'prefix' ? { path, prefixes: [c.prefix], unset } : { path, oneOf: c.op === 'eq' ? [c.value] : [...c.values], unset };
  }
  const unset = unsetOk ? 'forbidden' : 'allowed';
  if (c.op === 'prefix') return { path, must: `${render(path)} does not start with ${JSON.stringify(c.prefix)}`, unset };
  // a boolean that must not be b must be !b
  if (c.op === 'eq' && typeof c.value === 'boolean') return { path, oneOf: [!c.value], unset };
  return { path, noneOf: c.op === 'eq' ? [c.value] : [...c.values], unset };
}

/** Folds guards into the constraint: a guard that the field be set is the same as allowing it unset. */
function guarded(a: Allowed, guards: readonly Cond[]): Constraint {
  const { path, ...rest } = a;
  const out: Constraint = { field: render(path), ...rest };
  const ifs: string[] = [];
  const unless: string[] = [];
  for (const g of guards) {
    if (g.op === 'set' && startsWith(path, g.path)) {
      if (samePath(path, g.path)) { out.unset = 'allowed'; continue; }
      if (out.unset === 'allowed') continue; // unset X leaves the field unset, which passes anyway
    }
    if (g.op === 'not') unless.push(describeCond(g.cond));
    else ifs.push(describeCond(g));
  }
  if (ifs.length) out.if = ifs;
  if (unless.length) out.unless = unless;
  return out;
}

/** Constraints that keep `c` (a failure condition) false. */
function fails(c: Cond, guards: readonly Cond[]): Constraint[] {
  switch (c.op) {
    case 'any': return c.conds.flatMap((x) => fails(x, guards));
    // the leading conditions say when the last one matters
    case 'all': return fails(c.conds.at(-1)!, [...guards, ...c.conds.slice(0, -1)]);
    case 'some': return fails(c.cond, guards); // no item may match: every item is constrained
    case 'not': return must(c.cond, guards);
    default: return [guarded(literal(c, true), guards)];
  }
}

/** Constraints that make `c` true. */
function must(c: Cond, guards: readonly Cond[]): Constraint[] {
  switch (c.op) {
    case 'all': return c.conds.flatMap((x) => must(x, guards));
    case 'not': return fails(c.cond, guards);
    case 'any': return mustAny(c.conds, guards);
    case 'some': return [guarded(includes(c), guards)];
    default: return [guarded(literal(c, false), guards)];
  }
}

function includes(c: Extract<Cond, { op: 'some' }>): Allowed {
  const inner = c.cond;
  if ((inner.op === 'eq' || inner.op === 'in') && samePath(inner.path, itemBase(c.path))) {
    return { path: c.path, includes: inner.op === 'eq' ? [inner.value] : [...inner.values], unset: 'forbidden' };
  }
  return { path: c.path, must: describeCond(c), unset: 'forbidden' };
}

function mustAny(conds: readonly Cond[], guards: readonly Cond[]): Constraint[] {
  const leaves = conds.filter(isLeaf);
  const first = leaves[0];
  if (first && leaves.length === conds.length) {
    // value alternatives on one field: one value set
    if (leaves.every((l) => l.op !== 'set' && samePath(l.path, first.path))) {
      const parts = leaves.map((l) => literal(l, false));
      const merged: Allowed = { path: first.path, unset: parts.some((p) => p.unset === 'allowed') ? 'allowed' : 'forbidden' };
      const oneOf = unique(parts.flatMap((p) => p.oneOf ?? []));
      const prefixes = unique(parts.flatMap((p) => p.prefixes ?? []));
      if (oneOf.length) merged.oneOf = oneOf;
      if (prefixes.length) merged.prefixes = prefixes;
      return [guarded(merged, guards)];
    }
    // sibling fields of which one must be set
    const parent = first.path.slice(0, -1);
    if (leaves.every((l) => l.op === 'set' && l.path.length === first.path.length && startsWith(l.path, parent))) {
      return [guarded({ path: parent, oneSet: leaves.map((l) => l.path.at(-1)!), unset: 'forbidden' }, guards)];
    }
  }
  // otherwise the first value test is the rule and the other alternatives exempt from it
  const primary = conds.find((x) => (isLeaf(x) && x.op !== 'set') || (x.op === 'not' && isLeaf(x.cond))) ?? conds[0]!;
  const rest = conds.filter((x) => x !== primary);
  return must(primary, [...guards, not(rest.length === 1 ? rest[0]! : any(...rest))]);
}

/** The fields a rule restricts and what each must hold for the rule to pass. */
export function describeRule(rule: Omit<Rule, 'check'>): { fields: string[]; constraints: Constraint[] } {
  const all = fails(simplify(failure(rule)), []);
  const constraints = [...new Map(all.map((c) => [JSON.stringify(c), c])).values()];
  return { fields: unique(constraints.map((c) => c.field)), constraints };
}

/** The rule's exemption (allowWhen) in words. */
export const describeExemption = (rule: Omit<Rule, 'check'>): string | undefined =>
  rule.allowWhen && describeCond(simplify(locate(rule.allowWhen, anchorBase('spec'))));

/** The reason when it is the same for every failing pod. */
export function constantReason(msg: Msg): string | undefined {
  if (typeof msg === 'string') return msg;
  if (Array.isArray(msg)) {
    const parts = msg.map(constantReason);
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  return undefined;
}

