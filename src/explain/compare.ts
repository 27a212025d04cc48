// What differs between two revisions of one check, as explained: constraints are
// matched by field and guards, and their value sets compared as sets.
import type { Scalar } from '../rules/ir.js';
import type { CheckChange, CheckExplanation, Constraint, ConstraintChange, ListKey } from './types.js';

const LIST_KEYS: readonly ListKey[] = ['oneOf', 'prefixes', 'noneOf', 'includes', 'oneSet'];

/** Go-style byte order for strings; numbers and booleans by their text, so the order never depends on locale. */
const sorted = (xs: Scalar[]): Scalar[] => [...xs].sort((a, b) => {
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
});

const minus = (xs: readonly Scalar[] = [], ys: readonly Scalar[] = []): Scalar[] => sorted(xs.filter((x) => !ys.includes(x)));
const minusStrings = (xs: readonly string[], ys: readonly string[]): string[] => minus(xs, ys) as string[];

/** Constraints are the same constraint when they restrict the same field under the same guards. */
const key = (c: Constraint): string => JSON.stringify([c.field, c.if ?? [], c.unless ?? [], c.must ?? null]);

function compareConstraint(a: Constraint, b: Constraint): ConstraintChange | undefined {
  const added: ConstraintChange['added'] = {};
  const removed: ConstraintChange['removed'] = {};
  for (const k of LIST_KEYS) {
    const gained = minus(b[k], a[k]);
    const lost = minus(a[k], b[k]);
    if (gained.length) added[k] = gained;
    if (lost.length) removed[k] = lost;
  }
  if (!Object.keys(added).length && !Object.keys(removed).length && a.unset === b.unset) return undefined;
  return {
    field: b.field,
    ...(b.if ? { if: b.if } : {}),
    ...(b.unless ? { unless: b.unless } : {}),
    added,
    removed,
    ...(a.unset !== b.unset ? { unset: { from: a.unset, to: b.unset } } : {}),
  };
}

const fromTo = <T>(a: T | undefined, b: T | undefined) => ({ from: a ?? null, to: b ?? null });

export function diffCheck(a: CheckExplanation, b: CheckExplanation): CheckChange {
  const before = new Map(a.constraints.map((c) => [key(c), c]));
  const after = new Map(b.constraints.map((c) => [key(c), c]));
  const change: CheckChange = {
    id: b.id,
    level: b.level,
    fromSince: a.since,
    toSince: b.since,
    ...(a.reason !== b.reason ? { reason: fromTo(a.reason, b.reason) } : {}),
    ...(a.exemptIf !== b.exemptIf ? { exemptIf: fromTo(a.exemptIf, b.exemptIf) } : {}),
    ...(JSON.stringify(a.overrides ?? []) !== JSON.stringify(b.overrides ?? [])
      ? { overrides: { from: a.overrides ?? [], to: b.overrides ?? [] } } : {}),
    fieldsAdded: minusStrings(b.fields, a.fields),
    fieldsRemoved: minusStrings(a.fields, b.fields),
    constraintsAdded: b.constraints.filter((c) => !before.has(key(c))),
    constraintsRemoved: a.constraints.filter((c) => !after.has(key(c))),
    constraintsChanged: b.constraints.flatMap((c) => {
      const old = before.get(key(c));
      const diff = old && compareConstraint(old, c);
      return diff ? [diff] : [];
    }),
  };
  return change;
}
