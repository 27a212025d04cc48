// Evaluates the rule representation directly, for `pss-compile check`: the
// same rules every target lowers, read here as data instead of generated code.
// Each case follows the generated Rego's meaning (missing and null read as
// unset, lists that are not lists read as empty, sorted sets in Go's byte order).
import { goQuote } from '../model/goQuote.js';
import { isObject, type Obj } from '../object.js';
import type { Collection, Cond, Msg, Path, Rule, Scalar, ValueSource } from '../rules/ir.js';
import { CONTAINER_LISTS } from '../model/pod.js';

type Value = unknown;

/** the value at `path`, or null when it, or an object on the way, is missing or null */
export function at(anchor: Value, path: Path): Value {
  let v = anchor;
  for (const key of path) {
    if (!isObject(v)) return null;
    v = v[key];
  }
  return v ?? null;
}

const or = (v: Value, unset: Scalar | undefined): Value => (v === null && unset !== undefined ? unset : v);
/** the list at `path`, or [] */
const list = (anchor: Value, path: Path): Value[] => {
  const v = at(anchor, path);
  return Array.isArray(v) ? v : [];
};

export function holds(c: Cond, anchor: Value): boolean {
  switch (c.op) {
    case 'eq':
      return or(at(anchor, c.path), c.unset) === c.value;
    case 'in': {
      const v = or(at(anchor, c.path), c.unset);
      return typeof v === 'string' && c.values.includes(v);
    }
    case 'prefix': {
      const v = or(at(anchor, c.path), '');
      return typeof v === 'string' && v.startsWith(c.prefix);
    }
    case 'set':
      return at(anchor, c.path) !== null;
    case 'not':
      return !holds(c.cond, anchor);
    case 'all':
      return c.conds.every((x) => holds(x, anchor));
    case 'any':
      return c.conds.some((x) => holds(x, anchor));
    case 'some':
      return list(anchor, c.path).some((item) => holds(c.cond, item));
  }
}

const SURROGATE = /[\ud800-\udfff]/;

/** Go's string order: by UTF-8 bytes, which is code point order */
export function goCompare(a: string, b: string): number {
  // UTF-16 order is code point order unless a surrogate pair meets U+E000…U+FFFF
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
const sortedSet = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(goCompare);

/** a scalar as the generated code prints it: strings as they are, integers in base 10 */
const text = (v: Value, format: ValueSource['format']): string | undefined => {
  if (typeof v === 'string') return v;
  if (format === 'int' && typeof v === 'number') return String(Math.trunc(v));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
};

/** The pod a rule reads: its spec, annotations and containers in upstream's visit order. */
export interface PodView {
  spec: Value;
  annotations: Value;
  containers: Value[];
}

export function podView(pod: Value): PodView {
  const spec = isObject(at(pod, ['spec'])) ? at(pod, ['spec']) : {};
  const annotations = isObject(at(pod, ['metadata', 'annotations'])) ? at(pod, ['metadata', 'annotations']) : {};
  return { spec, annotations, containers: CONTAINER_LISTS.flatMap((l) => list(spec, [l])) };
}

const containerName = (c: Value): string => {
  const n = or(at(c, ['name']), '');
  return typeof n === 'string' ? n : String(n);
};

function values(s: ValueSource, pod: PodView): string[] {
  const anchors = s.anchor === 'containers' ? pod.containers : [pod.spec];
  const out: string[] = [];
  for (const anchor of anchors) {
    if (s.where && !holds(s.where, anchor)) continue;
    for (const item of s.list ? list(anchor, s.list) : [anchor]) {
      const v = or(at(item, s.path), s.unset);
      if (!holds(s.keep, v)) continue;
      const t = text(v, s.format);
      if (t !== undefined) out.push(t);
    }
  }
  return out;
}

function collect(c: Collection, pod: PodView, named: (name: string) => string[]): string[] {
  switch (c.kind) {
    case 'containerNames': {
      if (c.podCond && !holds(c.podCond, pod.spec)) return [];
      const names = pod.containers.filter((x) => holds(c.where, x)).map(containerName);
      return c.sorted ? sortedSet(names) : names;
    }
    case 'podFlag':
      return holds(c.where, pod.spec) ? ['pod'] : [];
    case 'values':
      return sortedSet(c.from.flatMap((s) => values(s, pod)));
    case 'items':
      return list(pod.spec, c.list).filter((item) => holds(c.where, item))
        .map((item) => text(or(at(item, c.select), c.unset), undefined) ?? '');
    case 'itemKinds':
      return sortedSet(list(pod.spec, c.list).filter((item) => holds(c.where, item))
        .map((item) => c.kinds.find((k) => at(item, [k]) !== null) ?? c.otherwise));
    case 'labels':
      return c.entries.filter((e) => holds(e.where, pod.spec)).map((e) => e.label);
    case 'annotations': {
      const annotations = pod.annotations as Obj;
      const entries: string[] = [];
      const add = (key: string): void => {
        if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
        const v = annotations[key] ?? null;
        if (holds(c.allowed, v)) return;
        entries.push(`${key}=${goQuote(typeof v === 'string' ? v : '')}`);
      };
      for (const keys of c.keys) {
        if (keys.kind === 'prefix') Object.keys(annotations).filter((k) => k.startsWith(keys.prefix)).forEach(add);
        else if (keys.kind === 'exact') add(keys.key);
        else pod.containers.forEach((x) => add(`${keys.prefix}${containerName(x)}`));
      }
      return sortedSet(entries);
    }
    case 'concat':
      return c.of.flatMap(named);
  }
}

function render(m: Msg, named: (name: string) => string[]): string {
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return (m as readonly Msg[]).map((x) => render(x, named)).join('');
  const node = m as Exclude<Msg, string | readonly Msg[]>;
  if ('plural' in node) return named(node.count).length === 1 ? node.plural[0] : node.plural[1];
  if ('quoted' in node) return named(node.quoted).map((x) => `"${x}"`).join(', ');
  if ('joined' in node) return named(node.joined).join(node.sep);
  if ('parts' in node) return node.parts.filter((p) => named(p.when).length > 0).map((p) => render(p.msg, named)).join(node.sep);
  const first = node.first.find((p) => named(p.when).length > 0);
  return first ? render(first.msg, named) : '';
}

export interface RuleFailure {
  check: string;
  reason: string;
  detail: string;
}

/** A rule's failure on a pod, or undefined when the pod passes it. */
export function evaluateRule(rule: Rule, pod: PodView, messages = true): RuleFailure | undefined {
  if (rule.allowWhen && holds(rule.allowWhen, pod.spec)) return undefined;
  const cache = new Map<string, string[]>();
  const named = (name: string): string[] => {
    let v = cache.get(name);
    if (v === undefined) {
      const c = rule.collections[name];
      if (!c) throw new Error(`${rule.check}: unknown collection ${name}`);
      cache.set(name, v = collect(c, pod, named));
    }
    return v;
  };
  if (!rule.failWhen.some((n) => named(n).length > 0)) return undefined;
  if (!messages) return { check: rule.check, reason: '', detail: '' };
  return { check: rule.check, reason: render(rule.reason, named), detail: render(rule.detail, named) };
}

/** upstream's ForbiddenReason plus ` (detail)` when there is one */
export const failureText = (f: RuleFailure): string => (f.detail === '' ? f.reason : `${f.reason} (${f.detail})`);

/** Every failing rule, in the rules' order (upstream's). */
export function evaluateRules(rules: readonly Rule[], pod: PodView, messages = true): RuleFailure[] {
  return rules.flatMap((r) => evaluateRule(r, pod, messages) ?? []);
}
