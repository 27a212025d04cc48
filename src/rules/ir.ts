// The rule representation between the PSS model and the targets. Every check
// revision is one Rule: named collections of strings gathered from the pod, a
// failure condition over them, and the upstream reason/detail as a message tree.
// Targets lower these few kinds; none of them knows an individual check.

export type Scalar = string | number | boolean;
/** Field path relative to an anchor object; [] is the anchor itself. */
export type Path = readonly string[];

/**
 * A condition on an anchor (pod spec, a container, a list item or a value).
 * Missing and explicit null read as unset; `unset` gives the value Go's zero
 * value would have (omit it for pointer fields, where unset never matches).
 */
export type Cond =
  | { op: 'eq'; path: Path; value: Scalar; unset?: Scalar }
  | { op: 'in'; path: Path; values: readonly string[]; unset?: string }
  | { op: 'prefix'; path: Path; prefix: string }
  | { op: 'set'; path: Path }
  | { op: 'not'; cond: Cond }
  | { op: 'all'; conds: readonly Cond[] }
  | { op: 'any'; conds: readonly Cond[] }
  | { op: 'some'; path: Path; cond: Cond };

/** Where a value is read: the pod spec, or each container in visit order. */
export type Anchor = 'spec' | 'containers';

/** Values read at `path` (for each item of `list`, when given) that satisfy `keep`. */
export interface ValueSource {
  anchor: Anchor;
  where?: Cond;
  list?: Path;
  path: Path;
  unset?: Scalar;
  keep: Cond;
  format?: 'int';
}

export type AnnotationKeys =
  | { kind: 'prefix'; prefix: string }
  | { kind: 'exact'; key: string }
  /** `prefix + name` for every container name */
  | { kind: 'perContainer'; prefix: string };

/** A collection is always a list of strings; flags are [] or ["pod"]. */
export type Collection =
  /** container names in visit order (or as a sorted set); none unless the pod spec satisfies `podCond` */
  | { kind: 'containerNames'; where: Cond; sorted?: boolean; podCond?: Cond }
  /** ["pod"] when the pod spec satisfies `where` */
  | { kind: 'podFlag'; where: Cond }
  /** sorted set of values from all sources */
  | { kind: 'values'; from: readonly ValueSource[] }
  /** `select` of each item of the spec list at `list` satisfying `where`, in list order */
  | { kind: 'items'; list: Path; where: Cond; select: Path; unset: string }
  /** sorted set of the first `kinds` key set on each matching item, else `otherwise` */
  | { kind: 'itemKinds'; list: Path; where: Cond; kinds: readonly string[]; otherwise: string }
  /** the labels whose condition holds on the pod spec, in this order */
  | { kind: 'labels'; entries: readonly { where: Cond; label: string }[] }
  /** sorted set of `key=<Go %q of value>` for annotations whose value fails `allowed` */
  | { kind: 'annotations'; keys: readonly AnnotationKeys[]; allowed: Cond }
  /** the named collections one after another */
  | { kind: 'concat'; of: readonly string[] };

/** A message built from collections, with upstream's helpers as node kinds. */
export type Msg =
  | string
  | readonly Msg[]
  /** singular when the collection has exactly one entry */
  | { plural: readonly [string, string]; count: string }
  /** `"a", "b"`: each entry in double quotes, joined by `", "` */
  | { quoted: string }
  /** entries joined by `sep`, unquoted */
  | { joined: string; sep: string }
  /** the parts whose collection is non-empty, joined by `sep` */
  | { parts: readonly { when: string; msg: Msg }[]; sep: string }
  /** the first part whose collection is non-empty */
  | { first: readonly { when: string; msg: Msg }[] };

export interface Rule {
  /** upstream check ID */
  check: string;
  collections: Readonly<Record<string, Collection>>;
  /** the check fails when any of these collections is non-empty */
  failWhen: readonly string[];
  reason: Msg;
  detail: Msg;
  /** the pod is allowed by this rule whenever its spec satisfies this */
  allowWhen?: Cond;
}
