// The data `explain` and `diff` print: plain JSON-safe objects, so --json is
// JSON.stringify of exactly what the text formatter reads.
import type { Scalar } from '../rules/ir.js';

/** What one field must hold for the check to pass; keys are omitted when they do not apply. */
export interface Constraint {
  /** absolute field path; `[*]` is every list item, `annotations[k]` an annotation key */
  field: string;
  /** the value must be one of these (for a list item field: every item) */
  oneOf?: Scalar[];
  /** ...or start with one of these */
  prefixes?: string[];
  /** the value must be none of these */
  noneOf?: Scalar[];
  /** the list must contain these */
  includes?: Scalar[];
  /** a requirement with no value-set form, in words */
  must?: string;
  /** at least one of these sub-fields must be set */
  oneSet?: string[];
  /** unset (absent or null): may be, must not be, or must be */
  unset: 'allowed' | 'forbidden' | 'required';
  /** the constraint applies only when all of these hold... */
  if?: string[];
  /** ...and none of these */
  unless?: string[];
}

export interface CheckExplanation {
  id: string;
  level: 'baseline' | 'restricted';
  /** first version of the revision in force */
  since: string;
  /** upstream ForbiddenReason, when it does not depend on the pod */
  reason?: string;
  /** baseline checks this one replaces at restricted */
  overrides?: string[];
  /** pods satisfying this pass the check whatever their fields hold */
  exemptIf?: string;
  /** the fields the constraints restrict, in model order */
  fields: string[];
  constraints: Constraint[];
}

export interface Explanation {
  level: string;
  /** the version as given */
  version: string;
  /** the version whose rules apply after clamping to the newest revision */
  evaluates: string;
  /** how container fields are written (`spec.containers[*]`)... */
  containerPath: string;
  /** ...and the container lists that stands for, in visit order */
  containerLists: string[];
  checks: CheckExplanation[];
  /** baseline checks a restricted check replaces at this version */
  overridden: { check: string; by: string }[];
}

export interface ConstraintChange {
  field: string;
  if?: string[];
  unless?: string[];
  /** per list-valued key (oneOf, prefixes, ...): the values gained and lost */
  added: Partial<Record<ListKey, Scalar[]>>;
  removed: Partial<Record<ListKey, Scalar[]>>;
  unset?: { from: Constraint['unset']; to: Constraint['unset'] };
}

export type ListKey = 'oneOf' | 'prefixes' | 'noneOf' | 'includes' | 'oneSet';

export interface CheckChange {
  id: string;
  level: 'baseline' | 'restricted';
  fromSince: string;
  toSince: string;
  reason?: { from: string | null; to: string | null };
  exemptIf?: { from: string | null; to: string | null };
  overrides?: { from: string[]; to: string[] };
  fieldsAdded: string[];
  fieldsRemoved: string[];
  constraintsAdded: Constraint[];
  constraintsRemoved: Constraint[];
  constraintsChanged: ConstraintChange[];
}

export interface VersionDiff {
  level: string;
  from: string;
  to: string;
  fromEvaluates: string;
  toEvaluates: string;
  /** checks in force at `to` only, as explained at `to` */
  added: CheckExplanation[];
  /** checks in force at `from` only; `overriddenBy` when a restricted check now replaces it */
  removed: { id: string; level: 'baseline' | 'restricted'; since: string; overriddenBy?: string }[];
  changed: CheckChange[];
}
