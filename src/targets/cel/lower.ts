// Lowers rules to CEL for the Kubernetes CEL environment: each collection a
// check reads becomes a named variable (`variables.<check>_<collection>`),
// computed once (the engines evaluate variables lazily and cache them) and
// read by the check's validation: an expression that holds when the pod
// passes, and a messageExpression with upstream's "reason (detail)". Used by
// every CEL target (VAP, Kyverno, Gatekeeper).
//
// Reads are null-safe: a missing field, or one set to null, reads as unset.
// Where the object is converted from its typed form (VAP), the one field that
// can be null is spec.containers, so reads need only a default.
// Collections are lists of strings. One field read from each container is a
// flat list; values from several fields or lists per container are lists of
// lists ("nested") because flatten() only exists from Kubernetes 1.35.
import { GO_QUOTE_BACKSLASHED, GO_QUOTE_ESCAPES } from '../../model/goQuote.js';
import { CONTAINER_LISTS, NULL_WHEN_EMPTY, WORKLOAD_TEMPLATES } from '../../model/pod.js';
import type { Collection, Cond, Msg, Path, Rule, Scalar, ValueSource } from '../../rules/ir.js';

export interface CelOptions {
  /** minimum Kubernetes minor the expressions must compile on (1.30 and up) */
  kubeMinor: number;
  /** what the checks read: the Pod itself, or the pod template of a workload resource */
  subject?: 'pod' | 'workload';
  /**
   * The objects are converted from their typed form, as the API server gives
   * them to VAP: no field is null but those in NULL_WHEN_EMPTY, and list items
   * and map values are never null.
   */
  typed?: boolean;
}

export interface CelPolicyOptions extends CelOptions {
  /** PSA's text before the reasons (violates PodSecurity "…": ) */
  messagePrefix?: string;
  /** checks whose violation makes this policy pass: warn stays silent when enforce denies */
  unlessDeniedBy?: readonly Rule[];
}

export interface CelVariable {
  name: string;
  expression: string;
}

export interface CelValidation {
  check: string;
  expression: string;
  messageExpression: string;
}

export interface CelPolicy {
  variables: CelVariable[];
  validations: CelValidation[];
}

/** CEL string or scalar literal; strings stay ASCII */
export const celLit = (v: Scalar | null): string =>
  v === null ? 'null' : JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `anchor.?a.?b`: the field at path, as an optional */
const at = (anchor: string, path: Path): string => `${anchor}${path.map((p) => `.?${p}`).join('')}`;

/** Part of a message: a text, CEL that yields one, or a choice of two texts. */
export type MsgPart = string | { cel: string } | { choice: string; arms: readonly [string, string] };

/** a message of more pieces than this is a join rather than a chain of + */
const JOIN_PIECES = 3;
/** a text this short next to a choice joins both its arms: "container \"" rather than a piece of its own */
const ARM_AFFIX = 3;

/** message parts as one CEL string expression: adjacent texts are one literal */
function emit(parts: readonly MsgPart[]): string {
  const merged: MsgPart[] = [];
  for (const p of parts) {
    const last = merged.at(-1);
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else if (typeof p === 'string' && typeof last === 'object' && 'choice' in last && p.length <= ARM_AFFIX) {
      merged[merged.length - 1] = { choice: last.choice, arms: [last.arms[0] + p, last.arms[1] + p] };
    } else if (typeof p === 'object' && 'choice' in p && typeof last === 'string' && last.length <= ARM_AFFIX) {
      merged[merged.length - 1] = { choice: p.choice, arms: [last + p.arms[0], last + p.arms[1]] };
    } else merged.push(p);
  }
  const cel: string[] = [];
  for (let n = 0; n < merged.length; n++) {
    const p = merged[n]!;
    const next = merged[n + 1];
    if (typeof p === 'string') cel.push(celLit(p));
    else if ('choice' in p) cel.push(`(${p.choice} ? ${celLit(p.arms[0])} : ${celLit(p.arms[1])})`);
    // a named text and the text after it are one piece: variables.violation + "privileged ("
    else if (/^[\w.]+$/.test(p.cel) && typeof next === 'string') {
      cel.push(`${p.cel} + ${celLit(next)}`);
      n++;
    } else cel.push(p.cel);
  }
  // each + copies the text so far, so many pieces cost less as one join
  if (cel.length > JOIN_PIECES) return `[${cel.join(', ')}].join("")`;
  return cel.length === 0 ? '""' : cel.join(' + ');
}

/** `x` in parentheses when it holds one of `ops` outside a `!(…)` that is all of it */
const parenthesizedAt = (ops: RegExp) => (x: string): string => (ops.test(x) && !negatedGroup(x) ? `(${x})` : x);
/** `x` as an operand of &&: in parentheses when it holds a looser operator */
const grouped = parenthesizedAt(/ (\|\||\?) /);
/** `x` as an operand of || or ?: (in parentheses when it holds && or looser operators) */
const asOperand = parenthesizedAt(/ (\|\||&&|\?) /);

/** `!(…)` as a whole: its parenthesis closes at the end (string literals skipped) */
function negatedGroup(x: string): boolean {
  if (!x.startsWith('!(')) return false;
  let depth = 0;
  for (let i = 1; i < x.length; i++) {
    const ch = x[i];
    if (ch === '"') {
      for (i++; i < x.length && x[i] !== '"'; i++) if (x[i] === '\\') i++;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i === x.length - 1;
  }
  return false;
}

/** `x`, in parentheses unless it is a name */
const paren = (x: string): string => (/^[\w.]+$/.test(x) ? x : `(${x})`);

/**
 * A message that is never empty while the rule fails (messages are evaluated
 * only then): a text, a plural, a sequence holding one, or a choice of parts
 * that has a non-empty part for each collection the rule fails on.
 */
function neverEmpty(m: Msg, failWhen: readonly string[]): boolean {
  if (typeof m === 'string') return m !== '';
  if (Array.isArray(m)) return m.some((x) => neverEmpty(x as Msg, failWhen));
  const node = m as Exclude<Msg, string | readonly Msg[]>;
  if ('plural' in node) return true;
  const parts = 'parts' in node ? node.parts : 'first' in node ? node.first : undefined;
  return parts !== undefined && coversFailure(parts, failWhen);
}

/** each collection the rule fails on has a part with a non-empty message */
const coversFailure = (parts: readonly { when: string; msg: Msg }[], failWhen: readonly string[]): boolean =>
  failWhen.every((f) => parts.some((p) => p.when === f && neverEmpty(p.msg, failWhen)));

type SourceGroup =
  /** one source read from the pod spec and then from each container */
  | { kind: 'specAndContainers'; source: ValueSource }
  /** sources read from each container (one, or several read the same way) */
  | { kind: 'containers' | 'spec'; sources: ValueSource[] };

/**
 * Sources grouped into as few walks as keep their order: a spec source
 * followed by the same source on containers is one walk over both, and
 * consecutive single-field container sources with the same test are one.
 */
function sourceGroups(sources: readonly ValueSource[]): SourceGroup[] {
  const simple = (s: ValueSource) => s.anchor === 'containers' && !s.list && !s.where;
  const key = (s: ValueSource) => JSON.stringify([s.keep, s.unset, s.format]);
  const same = (a: ValueSource, b: ValueSource) => JSON.stringify({ ...a, anchor: '' }) === JSON.stringify({ ...b, anchor: '' });
  const groups: SourceGroup[] = [];
  for (let n = 0; n < sources.length; n++) {
    const s = sources[n]!;
    const next = sources[n + 1];
    const last = groups.at(-1);
    if (s.anchor === 'spec' && next?.anchor === 'containers' && same(s, next)) {
      groups.push({ kind: 'specAndContainers', source: next });
      n++;
    } else if (last?.kind === 'containers' && simple(s) && simple(last.sources[0]!) && key(s) === key(last.sources[0]!)) {
      last.sources.push(s);
    } else groups.push({ kind: s.anchor, sources: [s] });
  }
  return groups;
}

/** The fields of `any` when it only asks whether one of them is set: a list lowers it shorter than a chain. */
function anySet(conds: readonly Cond[]): string[] | undefined {
  const fields = conds.map((c) => (c.op === 'set' && c.path.length === 1 ? c.path[0]! : undefined));
  return fields.length > 2 && fields.every((f) => f !== undefined) ? (fields as string[]) : undefined;
}

/** `set(p) && p != v`: the path and the value it must differ from */
function setToOther(conds: readonly Cond[]): { path: Path; value: Scalar } | undefined {
  const [set, not] = conds;
  if (conds.length !== 2 || set?.op !== 'set' || not?.op !== 'not' || not.cond.op !== 'eq' || not.cond.unset !== undefined) return undefined;
  return JSON.stringify(set.path) === JSON.stringify(not.cond.path) ? { path: set.path, value: not.cond.value } : undefined;
}

/** A lowered collection: its list expression and whether it is a list of lists. */
interface Collected {
  list: string;
  nested: boolean;
  /** a set upstream de-duplicates, which may still hold repeats (CEL before 1.35 has no distinct()) */
  repeats?: boolean;
}

/** A collection bound to its variable, with the test for holding an entry. */
interface Lowered extends Collected {
  nonEmpty: string;
}

/** printable ASCII other than `\\` and `"`: Go's %q adds only the quotes */
const GO_QUOTE_PLAIN = '^[ !#-\\[\\]-~]*$';
/** what CEL's strings.quote escapes (cel-go ext/strings.go quote): the backslashed pair and the named controls */
const CEL_QUOTE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\\\'], ['"', '\\"'], ['\x07', '\\a'], ['\b', '\\b'], ['\f', '\\f'], ['\n', '\\n'], ['\r', '\\r'], ['\t', '\\t'], ['\v', '\\v'],
]);
/** the escape maps stay small enough to read: one variable per this many characters of CEL */
const ESCAPE_MAP_CHARS = 1000;

/**
 * The rest of Go's %q after strings.quote: ASCII controls and DEL as \xNN (the
 * hex of their one byte), and the code points Go writes as \uXXXX, as maps from
 * character to its four hex digits, each under ESCAPE_MAP_CHARS characters.
 */
const UNICODE_MAPS: readonly string[] = (() => {
  const maps: string[] = [];
  let entries: string[] = [];
  let length = 0;
  const go = new Map([...GO_QUOTE_BACKSLASHED, ...GO_QUOTE_ESCAPES]);
  for (const [from, to] of go) {
    const code = from.codePointAt(0)!;
    if (CEL_QUOTE_ESCAPES.has(from)) {
      // strings.quote writes these; they must be Go's escapes too
      if (CEL_QUOTE_ESCAPES.get(from) !== to) throw new Error(`CEL lowering: strings.quote escapes U+${code.toString(16)} otherwise than Go's ${to}`);
      continue;
    }
    if (to === `\\x${code.toString(16).padStart(2, '0')}` && (code < 0x20 || code === 0x7f)) continue;
    if (to !== `\\u${code.toString(16).padStart(4, '0')}`) throw new Error(`CEL lowering: no way to write Go's ${to} for U+${code.toString(16)}`);
    const entry = `${celLit(from)}: ${celLit(to.slice(2))}`;
    if (length + entry.length > ESCAPE_MAP_CHARS) {
      maps.push(`{${entries.join(', ')}}`);
      entries = [];
      length = 0;
    }
    length += (entries.length > 0 ? 2 : 0) + entry.length;
    entries.push(entry);
  }
  // the CEL escapes strings.quote's characters, and every other character below a space and DEL as \xNN: Go must escape each
  const controls = [...CEL_QUOTE_ESCAPES.keys(), ...Array.from({ length: 0x20 }, (_, n) => String.fromCharCode(n)), '\x7f'];
  if (controls.some((ch) => !go.has(ch))) throw new Error('CEL lowering: Go %q leaves a character as it is that the CEL escapes');
  return [...maps, `{${entries.join(', ')}}`];
})();

const OBJECT = 'object';
const SPEC = 'variables.spec';
const CONTAINERS = 'variables.containers';
const ANNOTATIONS = 'variables.annotations';

export class CelWriter {
  private vars = 0;
  /** collections known to be non-empty where the message part being lowered is read */
  private readonly known = new Set<string>();
  /** the rule being lowered */
  private current?: Rule;
  /** comprehension variables bound to a value already read with its default: a test on them reads them as they are */
  private readonly defaulted = new Set<string>();
  /** declared variables in dependency order, and the name of each expression */
  readonly variables: CelVariable[] = [];
  private readonly named = new Map<string, string>();
  constructor(private readonly o: CelOptions) {}

  /** `variables.<name>` holding `expression`, under exactly that name */
  declare(name: string, expression: string): string {
    if (this.variables.some((v) => v.name === name)) throw new Error(`CEL lowering: variable ${name} declared twice`);
    this.variables.push({ name, expression });
    if (!this.named.has(expression)) this.named.set(expression, name);
    return `variables.${name}`;
  }

  /**
   * `variables.<name>` holding `expression`. An expression declared before
   * keeps its first name, so rules that read the same collection share it.
   */
  variable(name: string, expression: string): string {
    let known = this.named.get(expression);
    if (!known) {
      known = name;
      for (let n = 2; this.variables.some((v) => v.name === known); n++) known = `${name}${n}`;
      this.variables.push({ name: known, expression });
      this.named.set(expression, known);
    }
    return `variables.${known}`;
  }

  /**
   * Go's %q (upstream quotes annotation values with it): printable ASCII only
   * gains quotes; anything else goes through strings.quote, then character by
   * character: controls and DEL as \xNN, the UNICODE_MAPS code points as \uXXXX.
   */
  goQuote(value: string): string {
    const maps = UNICODE_MAPS.map((text, i) => this.variable(`goQuoteUnicode${i + 1}`, text));
    const [q, ch, h] = [this.fresh('q'), this.fresh('ch'), this.fresh('h')];
    const unicode = `${maps.map((m, i) => (i === 0 ? `${m}[?${ch}]` : `.or(${m}[?${ch}])`)).join('')}.optMap(${h}, "\\\\u" + ${h}).orValue(${ch})`;
    const escaped = `${ch} < " " || ${ch} == "\\u007f" ? "\\\\x" + "%x".format([${ch}]) : ${unicode}`;
    const body = `${q}.matches(${celLit(GO_QUOTE_PLAIN)}) ? "\\"" + ${q} + "\\"" : strings.quote(${q}).split("").map(${ch}, ${escaped}).join("")`;
    return `[${value}].map(${q}, ${body})[0]`;
  }

  fresh(prefix: string): string {
    return `${prefix}${this.vars++}`;
  }

  /**
   * A container's name. The API server validates the pod before validating
   * admission, so a name is never null there; a missing one reads as "".
   * Go writes the name of a typed container even when it is empty.
   */
  containerName(c: string): string {
    return this.o.typed ? `${c}.name` : `${c}.?name.orValue("")`;
  }

  /** value at path; missing or null reads as `unset` (null when not given) */
  value(anchor: string, path: Path, unset: Scalar | undefined): string {
    if (path.length === 0 && (this.o.typed || this.defaulted.has(anchor))) return anchor;
    if (this.o.typed) return `${at(anchor, path)}.orValue(${unset === undefined ? 'null' : celLit(unset)})`;
    const read = path.length === 0 ? anchor : `${at(anchor, path)}.orValue(null)`;
    if (unset === undefined) return read;
    // every unset value in the model is a zero value ("", 0, false), and null is a zero value too
    if (unset !== '' && unset !== 0 && unset !== false) throw new Error(`CEL lowering: unset ${String(unset)} is not a zero value`);
    return `optional.ofNonZeroValue(${read}).orValue(${celLit(unset)})`;
  }

  /** `msg` is the text "pod" of a podFlag collection */
  private isPodFlag(name: string, msg: Msg): boolean {
    return msg === 'pod' && this.current?.collections[name]?.kind === 'podFlag';
  }

  private isDefaulted(anchor: string, path: Path): boolean {
    return path.length === 0 && this.defaulted.has(anchor);
  }

  /** holds when the value at path is set to something other than its zero value */
  present(anchor: string, path: Path): string {
    return `optional.ofNonZeroValue(${this.value(anchor, path, undefined)}).hasValue()`;
  }

  /** the list at path, or [] when missing or null */
  list(anchor: string, path: Path): string {
    if (this.o.typed && !NULL_WHEN_EMPTY.includes(path.at(-1)!)) return `${at(anchor, path)}.orValue([])`;
    return `optional.ofNonZeroValue(${at(anchor, path)}.orValue(null)).orValue([])`;
  }

  /** the object at path, or {} when missing or null */
  object(anchor: string, path: Path): string {
    if (this.o.typed) return `${at(anchor, path)}.orValue({})`;
    return `optional.ofNonZeroValue(${this.value(anchor, path, undefined)}).orValue({})`;
  }

  /**
   * Compares a typed field with `value`. A boolean field read with the other
   * boolean as its default is its own test: `x.orValue(false)` for `x == true`.
   */
  private typedEq(a: string, path: Path, value: Scalar, unset: Scalar | undefined, equal: boolean): string {
    if (typeof value === 'boolean' && path.length > 0) {
      const read = `${at(a, path)}.orValue(${unset ?? !value})`;
      return value === equal ? read : `!${read}`;
    }
    return `${this.value(a, path, unset)} ${equal ? '==' : '!='} ${celLit(value)}`;
  }

  cond(c: Cond, a: string): string {
    switch (c.op) {
      // a missing or null field equals no value, so a value other than the zero one needs no default
      case 'eq':
        if (this.o.typed) return this.typedEq(a, c.path, c.value, c.unset, true);
        if (c.unset !== undefined && c.value === c.unset && !this.isDefaulted(a, c.path)) return `!${this.present(a, c.path)}`;
        return `${this.value(a, c.path, undefined)} == ${celLit(c.value)}`;
      case 'in': {
        const unset = c.unset !== undefined && c.values.includes(c.unset) ? c.unset : undefined;
        return `${this.value(a, c.path, unset)} in [${c.values.map(celLit).join(', ')}]`;
      }
      case 'prefix': {
        // a raw value defaulted to "" is typed dyn; a typed one is a string already
        const read = this.value(a, c.path, '');
        return `${this.o.typed ? read : `string(${read})`}.startsWith(${celLit(c.prefix)})`;
      }
      case 'set':
        if (this.o.typed && c.path.length > 0) return `${at(a, c.path)}.hasValue()`;
        return `${this.value(a, c.path, undefined)} != null`;
      case 'not': {
        const e = c.cond;
        if (this.o.typed && e.op === 'eq') return this.typedEq(a, e.path, e.value, e.unset, false);
        if (e.op === 'eq' && e.unset !== undefined && e.value === e.unset && !this.isDefaulted(a, e.path)) return this.present(a, e.path);
        if (e.op === 'eq') return `${this.value(a, e.path, undefined)} != ${celLit(e.value)}`;
        const inner = this.cond(e, a);
        return /^[\w.?]+(\([^()]*\))*$/.test(inner) ? `!${inner}` : `!(${inner})`;
      }
      // comparisons bind tighter than && and ||; a mix of && and || keeps its parentheses to be read at a glance
      case 'all': {
        const other = this.o.typed ? setToOther(c.conds) : undefined;
        // a typed field read with the value as its default is set to another value exactly when it differs
        if (other) return `${at(a, other.path)}.orValue(${celLit(other.value)}) != ${celLit(other.value)}`;
        return c.conds.map((x) => (x.op === 'any' ? `(${this.cond(x, a)})` : this.cond(x, a))).join(' && ');
      }
      case 'any': {
        const fields = anySet(c.conds);
        if (fields) {
          const k = this.fresh('k');
          const set = this.o.typed ? `${a}[?${k}].hasValue()` : `${a}[?${k}].orValue(null) != null`;
          return `[${fields.map(celLit).join(', ')}].exists(${k}, ${set})`;
        }
        return c.conds.map((x) => (x.op === 'all' ? `(${this.cond(x, a)})` : this.cond(x, a))).join(' || ');
      }
      case 'some': {
        const item = this.fresh('i');
        return `${this.list(a, c.path)}.exists(${item}, ${this.cond(c.cond, item)})`;
      }
    }
  }

  /** `keep` on the values bound to `v`, which were read with the source's default */
  private keep(s: ValueSource, v: string): string {
    if (s.unset === undefined) return this.cond(s.keep, v);
    this.defaulted.add(v);
    try {
      return this.cond(s.keep, v);
    } finally {
      this.defaulted.delete(v);
    }
  }

  /** the kept values of one source, per item of `walk` (the containers, or the pod spec followed by them) */
  private values(s: ValueSource, walk: string): Collected {
    if (!s.list && s.anchor === 'containers') return this.fieldValues(s, walk);
    const v = this.fresh('v');
    const keep = this.keep(s, v);
    const fmt = s.format === 'int' ? `.map(${v}, string(${v}))` : '';
    const read = (anchor: string): string => {
      if (!s.list) return `[${this.value(anchor, s.path, s.unset)}].filter(${v}, ${keep})${fmt}`;
      const item = this.fresh('i');
      const value = this.value(item, s.path, s.unset);
      // a typed item needs no read of its own
      return `${this.list(anchor, s.list)}${value === item ? '' : `.map(${item}, ${value})`}.filter(${v}, ${keep})${fmt}`;
    };
    if (s.anchor === 'spec') {
      const list = read(SPEC);
      return { list: s.where ? `[${this.cond(s.where, SPEC)} ? ${list} : []]` : `[${list}]`, nested: true };
    }
    const c = this.fresh('c');
    const list = read(c);
    return { list: `${walk}.map(${c}, ${s.where ? `${this.cond(s.where, c)} ? ${list} : []` : list})`, nested: true };
  }

  /** one field of each item of `walk`: a flat list, as each item holds at most one value */
  private fieldValues(s: ValueSource, walk: string): Collected {
    const c = this.fresh('c');
    const value = this.value(c, s.path, s.unset);
    if (!s.where && !s.format) {
      // read once, then kept
      const v = this.fresh('v');
      return { list: `${walk}.map(${c}, ${value}).filter(${v}, ${this.keep(s, v)})`, nested: false };
    }
    const keep = this.keep(s, value);
    const test = s.where ? `${grouped(this.cond(s.where, c))} && ${grouped(keep)}` : keep;
    return { list: `${walk}.map(${c}, ${test}, ${s.format === 'int' ? `string(${value})` : value})`, nested: false };
  }

  /** sources read from each container the same way, in one walk: per container, its values in source order */
  private containerValues(sources: readonly ValueSource[]): Collected {
    const [c, v] = [this.fresh('c'), this.fresh('v')];
    const s = sources[0]!;
    const reads = `[${sources.map((x) => this.value(c, x.path, x.unset)).join(', ')}]`;
    const keep = this.keep(s, v);
    return { list: `${CONTAINERS}.map(${c}, ${reads}.filter(${v}, ${keep})${s.format === 'int' ? `.map(${v}, string(${v}))` : ''})`, nested: true };
  }

  /** the values of a source group, in source order */
  private valueGroup(g: SourceGroup): Collected {
    if (g.kind === 'specAndContainers') {
      // the pod's securityContext sits at the same path from the spec as a container's from the container
      return this.values(g.source, this.variable('specAndContainers', `[${SPEC}] + ${CONTAINERS}`));
    }
    return g.sources.length === 1 ? this.values(g.sources[0]!, CONTAINERS) : this.containerValues(g.sources);
  }

  collection(c: Collection, get: (name: string) => Lowered): Collected {
    switch (c.kind) {
      case 'containerNames': {
        const x = this.fresh('c');
        const where = this.cond(c.where, x);
        const names = `${CONTAINERS}.map(${x}, ${where}, ${this.containerName(x)})`;
        const sorted = c.sorted ? this.sortedSet(names) : names;
        const repeats = c.sorted === true && !this.sortable;
        if (!c.podCond) return { list: sorted, nested: false, repeats };
        return { list: `${asOperand(this.cond(c.podCond, SPEC))} ? ${sorted} : []`, nested: false, repeats };
      }
      case 'podFlag': {
        return { list: `${asOperand(this.cond(c.where, SPEC))} ? ["pod"] : []`, nested: false };
      }
      case 'values': {
        const parts = sourceGroups(c.from).map((g) => this.valueGroup(g));
        const nested = parts.some((p) => p.nested);
        // a flat part among nested ones is one inner list, in its place
        const list = parts.map((p) => (nested && !p.nested ? `[${p.list}]` : p.list)).join(' + ');
        if (!this.sortable) return { list, nested, repeats: true };
        return { list: this.sortedSet(nested ? `(${list}).flatten()` : list), nested: false };
      }
      case 'items': {
        const x = this.fresh('i');
        const where = this.cond(c.where, x);
        const items = this.list(SPEC, c.list);
        return { list: `${items}.map(${x}, ${where}, ${this.value(x, c.select, c.unset)})`, nested: false };
      }
      case 'itemKinds': {
        const x = this.fresh('i');
        // the first of the kinds set on the item
        const [k, f] = [this.fresh('k'), this.fresh('f')];
        const isSet = this.o.typed ? `${x}[?${k}].hasValue()` : `${x}[?${k}].orValue(null) != null`;
        const set = `[${c.kinds.map(celLit).join(', ')}].filter(${k}, ${isSet})`;
        const kind = `[${set}].map(${f}, size(${f}) > 0 ? ${f}[0] : ${celLit(c.otherwise)})[0]`;
        const where = this.cond(c.where, x);
        const items = this.list(SPEC, c.list);
        const list = `${items}.map(${x}, ${where}, ${kind})`;
        return { list: this.sortedSet(list), nested: false, repeats: !this.sortable };
      }
      case 'labels': {
        const parts = c.entries.map((e) => `(${asOperand(this.cond(e.where, SPEC))} ? [${celLit(e.label)}] : [])`);
        return { list: parts.join(' + '), nested: false };
      }
      case 'annotations': {
        const parts = c.keys.map((keys) => {
          const k = this.fresh('k');
          const value = `${ANNOTATIONS}[${k}]`;
          const bad = `!(${this.cond(c.allowed, value)})`;
          const entry = `${k} + "=" + ${this.goQuote(this.value(value, [], ''))}`;
          switch (keys.kind) {
            case 'prefix': {
              const test = `${k}.startsWith(${celLit(keys.prefix)}) && ${bad}`;
              return `${ANNOTATIONS}.map(${k}, ${test}, ${entry})`;
            }
            case 'exact': {
              const test = `${k} in ${ANNOTATIONS} && ${bad}`;
              const key = `[${celLit(keys.key)}]`;
              return `${key}.map(${k}, ${test}, ${entry})`;
            }
            case 'perContainer': {
              const x = this.fresh('c');
              const keysList = `${CONTAINERS}.map(${x}, ${celLit(keys.prefix)} + ${this.containerName(x)})`;
              const test = `${k} in ${ANNOTATIONS} && ${bad}`;
              return `${keysList}.map(${k}, ${test}, ${entry})`;
            }
          }
        });
        const list = parts.join(' + ');
        return { list: this.sortable ? this.sortedSet(list) : list, nested: false };
      }
      case 'concat': {
        const parts = c.of.map(get);
        const nested = parts.some((p) => p.nested);
        return {
          list: parts.map((p) => (nested && !p.nested ? `[${p.list}]` : paren(p.list))).join(' + '),
          nested,
          repeats: parts.some((p) => p.repeats),
        };
      }
    }
  }

  /** sort() and distinct() arrive with Kubernetes 1.35; before, order stays as visited */
  get sortable(): boolean {
    return this.o.kubeMinor >= 35;
  }

  private sortedSet(list: string): string {
    return this.sortable ? `(${list}).distinct().sort()` : list;
  }

  /**
   * Holds when the collection has one entry. Upstream counts sets, and before
   * 1.35 ours may repeat entries: `exact` counts distinct ones, at the price of
   * another walk, where upstream's reason depends on it.
   */
  single(l: Lowered, exact: boolean): string {
    if (!l.repeats || !exact) {
      const x = this.fresh('l');
      return l.nested ? `${l.list}.map(${x}, size(${x})).sum() == 1` : `size(${l.list}) == 1`;
    }
    const [x, first] = [this.fresh('x'), this.fresh('f')];
    if (!l.nested) return `size(${l.list}) > 0 && ${l.list}.all(${x}, ${x} == ${l.list}[0])`;
    const [inner, present] = [this.fresh('l'), this.fresh('p')];
    return `[${l.list}.filter(${inner}, size(${inner}) > 0)].all(${present}, size(${present}) > 0 && ${present}.all(${inner}, ${inner}.all(${x}, ${x} == ${present}[0][0])))`;
  }

  joined(l: Lowered, sep: string): string {
    const x = this.fresh('l');
    return l.nested
      ? `${paren(l.list)}.filter(${x}, size(${x}) > 0).map(${x}, ${x}.join(${celLit(sep)})).join(${celLit(sep)})`
      : `${paren(l.list)}.join(${celLit(sep)})`;
  }

  /** a message as CEL: adjacent texts are one literal */
  msg(m: Msg, get: (name: string) => Lowered, exact = false): string {
    return emit(this.parts(m, get, exact));
  }

  private parts(m: Msg, get: (name: string) => Lowered, exact: boolean): MsgPart[] {
    if (typeof m === 'string') return m === '' ? [] : [m];
    if (Array.isArray(m)) return m.flatMap((x) => this.parts(x as Msg, get, exact));
    // a collection known to hold entries is quoted without a test, its quotes joining the texts around it
    if (typeof m === 'object' && 'quoted' in m && this.known.has(m.quoted)) return ['"', { cel: this.joined(get(m.quoted), '", "') }, '"'];
    if (typeof m === 'object' && 'plural' in m) return [{ choice: this.single(get(m.count), exact), arms: m.plural }];
    return [{ cel: this.node(m as Exclude<Msg, string | readonly Msg[] | { plural: unknown }>, get, exact) }];
  }

  private node(node: Exclude<Msg, string | readonly Msg[] | { plural: unknown }>, get: (name: string) => Lowered, exact: boolean): string {
    if ('quoted' in node) {
      // one join costs less than quoting each entry
      const l = get(node.quoted);
      return `(${l.nonEmpty} ? "\\"" + ${this.joined(l, '", "')} + "\\"" : "")`;
    }
    if ('joined' in node) return this.joined(get(node.joined), node.sep);
    if ('parts' in node) {
      // a pod flag is ["pod"] or [], already the part it stands for
      const parts = node.parts.map((p) => (this.isPodFlag(p.when, p.msg) ? get(p.when).list
        : `(${get(p.when).nonEmpty} ? [${this.knowing(p.when, () => this.msg(p.msg, get))}] : [])`));
      return `(${parts.join(' + ')}).join(${celLit(node.sep)})`;
    }
    // when the parts cover every way to fail, the last one needs no test: the message is only read on failure
    const arms = node.first;
    const final = arms.at(-1)!;
    const last = this.current && coversFailure(arms, this.current.failWhen) ? this.knowing(final.when, () => this.msg(final.msg, get)) : undefined;
    const tested = last === undefined ? arms : arms.slice(0, -1);
    return `(${tested.reduceRight((rest, p) => `${get(p.when).nonEmpty} ? ${this.knowing(p.when, () => this.msg(p.msg, get))} : ${rest}`, last ?? '""')})`;
  }

  /** `f` lowered where the collection `name` is known to be non-empty */
  private knowing<T>(name: string, f: () => T): T {
    const had = this.known.has(name);
    this.known.add(name);
    try {
      return f();
    } finally {
      if (!had) this.known.delete(name);
    }
  }

  /** `f` with comprehension variables numbered from 0: an expression's text does not depend on what was lowered before */
  private scoped<T>(f: () => T): T {
    const saved = this.vars;
    this.vars = 0;
    try {
      return f();
    } finally {
      this.vars = saved;
    }
  }

  /**
   * One validation for a rule. Each collection it reads is a variable named
   * `<stem>_<collection>`, declared before the variables that read it.
   * `prefix`: a CEL string expression put before the reason (PSA's violation prefix).
   */
  rule(r: Rule, prefix?: MsgPart, stem: string = r.check): CelValidation {
    const get = this.binder(r, stem);
    this.current = r;
    return this.scoped(() => {
      const passes = this.passesWith(r, get);
      // upstream prints "reason (detail)", or the bare reason when the detail is empty
      const detailed = neverEmpty(r.detail, r.failWhen);
      const suffix: Msg = detailed ? [' (', r.detail, ')'] : [];
      // upstream's reason must come out identical, so its counts are exact; a rule failing on one collection has entries in it
      const text = (r.failWhen.length === 1 ? <T>(f: () => T) => this.knowing(r.failWhen[0]!, f) : <T>(f: () => T) => f())(() => emit([...(prefix === undefined ? [] : [prefix]), ...this.parts(r.reason, get, true), ...this.parts(suffix, get, false)]));
      const message = detailed ? text : `${text} + [${this.msg(r.detail, get)}].map(d, d == "" ? "" : " (" + d + ")")[0]`;
      // The API server evaluates every messageExpression, passing or not, and
      // ignores the result of a passing one. The message is not guarded by the
      // expression again: a passing pod pays for its few detail collections,
      // while a failing pod, the most any pod costs, reads them all anyway.
      return { check: r.check, expression: passes, messageExpression: message };
    });
  }

  /** the expression that holds when a pod passes the rule, declaring only the variables it reads */
  passes(r: Rule, stem: string = r.check): string {
    const get = this.binder(r, stem);
    return this.scoped(() => this.passesWith(r, get));
  }

  private passesWith(r: Rule, get: (name: string) => Lowered): string {
    const fails = r.failWhen.map(get);
    // flat collections are all empty when their sizes add up to 0
    const none = fails.every((l) => !l.nested)
      ? `${fails.map((l) => `size(${l.list})`).join(' + ')} == 0`
      : `!(${fails.map((l) => l.nonEmpty).join(' || ')})`;
    return `${r.allowWhen ? `${asOperand(this.cond(r.allowWhen, SPEC))} || ` : ''}${none}`;
  }

  /** a rule's collections, each declared as the variable `<stem>_<collection>` when first read */
  private binder(r: Rule, stem: string): (name: string) => Lowered {
    const lowered = new Map<string, Lowered>();
    const get = (name: string): Lowered => {
      const known = lowered.get(name);
      if (known) return known;
      const c = r.collections[name];
      if (!c) throw new Error(`${r.check}: unknown collection ${name}`);
      const l = this.scoped(() => this.collection(c, get));
      const ref = this.variable(`${stem}_${name}`, l.list);
      const bound: Lowered = {
        list: ref,
        nested: l.nested,
        nonEmpty: l.nested ? `${ref}.exists(l, size(l) > 0)` : `size(${ref}) > 0`,
        repeats: l.repeats,
      };
      lowered.set(name, bound);
      return bound;
    };
    return get;
  }
}

/** The pod template at each workload kind's path; a missing template reads as an empty pod, which passes. */
export function workloadTemplate(w: CelWriter): string {
  const byKind = WORKLOAD_TEMPLATES.reduceRight(
    (rest, t) => `${OBJECT}.?kind.orValue("") == ${celLit(t.kind)} ? ${w.value(OBJECT, t.template, undefined)} : ${rest}`, 'null');
  return `optional.ofNonZeroValue(${byKind}).orValue({})`;
}

/** The variables every check reads: the pod (or template) spec, its containers in visit order, its annotations. */
export function podVariables(w: CelWriter, subject: CelOptions['subject']): void {
  const lists = CONTAINER_LISTS.map((l) => w.list(SPEC, [l]));
  let pod = OBJECT;
  if (subject === 'workload') pod = w.declare('template', workloadTemplate(w));
  w.declare('spec', w.object(pod, ['spec']));
  w.declare('containers', lists.join(' + '));
  w.declare('annotations', w.object(pod, ['metadata', 'annotations']));
}

export function lowerToCel(rules: readonly Rule[], o: CelPolicyOptions): CelPolicy {
  const w = new CelWriter(o);
  podVariables(w, o.subject);
  const prefix = o.messagePrefix === undefined ? undefined : { cel: w.declare('violation', celLit(o.messagePrefix)) };
  const validations = rules.map((r) => w.rule(r, prefix));
  if (!o.unlessDeniedBy || o.unlessDeniedBy.length === 0) return { variables: w.variables, validations };
  const passes = o.unlessDeniedBy.map((r) => `(${w.passes(r, `enforce_${r.check}`)})`);
  w.declare('enforceDenies', `!(${passes.join(' && ')})`);
  return { variables: w.variables, validations: silenced(validations) };
}

/** Every validation passes, and says nothing, while variables.enforceDenies holds. */
export function silenced(validations: readonly CelValidation[]): CelValidation[] {
  return validations.map((v) => ({
    check: v.check,
    expression: `variables.enforceDenies || (${v.expression})`,
    messageExpression: `variables.enforceDenies ? "" : ${v.messageExpression}`,
  }));
}
