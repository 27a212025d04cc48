// Lowers rules to CEL for the Kubernetes CEL environment: one validation per
// rule (an expression that holds when the pod passes, and a messageExpression
// with upstream's "reason (detail)"), over shared variables that walk each
// container list once. Used by every CEL target (VAP, Kyverno, Gatekeeper).
//
// Reads are null-safe: a missing field, or one set to null, reads as unset.
// Collections are lists of strings; values gathered per container are lists of
// lists ("nested") because flatten() only exists from Kubernetes 1.35.
import { GO_QUOTE_ESCAPES } from '../../model/goQuote.js';
import { CONTAINER_LISTS, WORKLOAD_TEMPLATES } from '../../model/pod.js';
import type { Collection, Cond, Msg, Path, Rule, Scalar, ValueSource } from '../../rules/ir.js';

export interface CelOptions {
  /** minimum Kubernetes minor the expressions must compile on (1.30 and up) */
  kubeMinor: number;
  /** what the checks read: the Pod itself, or the pod template of a workload resource */
  subject?: 'pod' | 'workload';
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

/** A lowered collection: its list expression and whether it is a list of lists. */
interface Lowered {
  list: string;
  nested: boolean;
  /** a cheaper test for non-emptiness than size(list) > 0 */
  nonEmpty: string;
  /** a set upstream de-duplicates, which may still hold repeats (CEL before 1.35 has no distinct()) */
  repeats?: boolean;
}

/** Go's %q (upstream quotes annotation values with it), as a chain of replace() calls */
function goQuote(value: string): string {
  const escapes: [string, string][] = [['\\', '\\\\'], ['"', '\\"'], ...GO_QUOTE_ESCAPES];
  return `"\\"" + ${value}${escapes.map(([from, to]) => `.replace(${celLit(from)}, ${celLit(to)})`).join('')} + "\\""`;
}

const OBJECT = 'object';
const SPEC = 'variables.spec';
const CONTAINERS = 'variables.containers';
const ANNOTATIONS = 'variables.annotations';

export class CelWriter {
  private vars = 0;
  constructor(private readonly o: CelOptions) {}

  fresh(prefix: string): string {
    return `${prefix}${this.vars++}`;
  }

  /** value at path; missing or null reads as `unset` (null when not given) */
  value(anchor: string, path: Path, unset: Scalar | undefined): string {
    const read = path.length === 0 ? anchor : `${anchor}${path.map((p) => `.?${p}`).join('')}.orValue(null)`;
    if (unset === undefined) return read;
    // every unset value in the model is a zero value ("", 0, false), and null is a zero value too
    if (unset !== '' && unset !== 0 && unset !== false) throw new Error(`CEL lowering: unset ${String(unset)} is not a zero value`);
    return `optional.ofNonZeroValue(${read}).orValue(${celLit(unset)})`;
  }

  /** the list at path, or [] when missing or null */
  list(anchor: string, path: Path): string {
    return `optional.ofNonZeroValue(${anchor}${path.map((p) => `.?${p}`).join('')}.orValue(null)).orValue([])`;
  }

  cond(c: Cond, a: string): string {
    switch (c.op) {
      case 'eq':
        return `${this.value(a, c.path, c.unset)} == ${celLit(c.value)}`;
      case 'in':
        return `${this.value(a, c.path, c.unset)} in [${c.values.map(celLit).join(', ')}]`;
      case 'prefix':
        return `string(${this.value(a, c.path, '')}).startsWith(${celLit(c.prefix)})`;
      case 'set':
        return `${this.value(a, c.path, undefined)} != null`;
      case 'not':
        return `!(${this.cond(c.cond, a)})`;
      case 'all':
        return c.conds.map((x) => `(${this.cond(x, a)})`).join(' && ');
      case 'any':
        return c.conds.map((x) => `(${this.cond(x, a)})`).join(' || ');
      case 'some': {
        const item = this.fresh('i');
        return `${this.list(a, c.path)}.exists(${item}, ${this.cond(c.cond, item)})`;
      }
    }
  }

  private values(s: ValueSource): Lowered {
    const v = this.fresh('v');
    const keep = this.cond(s.keep, v);
    const fmt = (x: string) => (s.format === 'int' ? `string(${x})` : x);
    const read = (anchor: string): { list: string; exists: string } => {
      if (s.list) {
        const item = this.fresh('i');
        const items = `${this.list(anchor, s.list)}.map(${item}, ${this.value(item, s.path, s.unset)})`;
        return { list: `${items}.filter(${v}, ${keep}).map(${v}, ${fmt(v)})`, exists: `${items}.exists(${v}, ${keep})` };
      }
      const one = `[${this.value(anchor, s.path, s.unset)}]`;
      return { list: `${one}.filter(${v}, ${keep}).map(${v}, ${fmt(v)})`, exists: `${one}.exists(${v}, ${keep})` };
    };
    if (s.anchor === 'spec') {
      const { list, exists } = read(SPEC);
      const where = s.where ? this.cond(s.where, SPEC) : 'true';
      return { list: `[${where} ? ${list} : []]`, nested: true, nonEmpty: `(${where}) && ${exists}` };
    }
    const c = this.fresh('c');
    const { list, exists } = read(c);
    const where = s.where ? `(${this.cond(s.where, c)})` : '';
    return {
      list: where ? `${CONTAINERS}.map(${c}, ${where} ? ${list} : [])` : `${CONTAINERS}.map(${c}, ${list})`,
      nested: true,
      nonEmpty: `${CONTAINERS}.exists(${c}, ${where ? `${where} && ` : ''}${exists})`,
    };
  }

  collection(c: Collection, get: (name: string) => Lowered): Lowered {
    switch (c.kind) {
      case 'containerNames': {
        const x = this.fresh('c');
        const where = this.cond(c.where, x);
        const names = `${CONTAINERS}.map(${x}, ${where}, ${this.value(x, ['name'], '')})`;
        const exists = `${CONTAINERS}.exists(${x}, ${where})`;
        const sorted = c.sorted ? this.sortedSet(names) : names;
        const repeats = c.sorted === true && !this.sortable;
        if (!c.podCond) return { list: sorted, nested: false, nonEmpty: exists, repeats };
        const pod = this.cond(c.podCond, SPEC);
        return { list: `(${pod}) ? ${sorted} : []`, nested: false, nonEmpty: `(${pod}) && ${exists}`, repeats };
      }
      case 'podFlag': {
        const where = this.cond(c.where, SPEC);
        return { list: `(${where}) ? ["pod"] : []`, nested: false, nonEmpty: `(${where})` };
      }
      case 'values': {
        const parts = c.from.map((s) => this.values(s));
        const list = parts.map((p) => p.list).join(' + ');
        return {
          list: this.sortable ? this.sortedSet(`(${list}).flatten()`) : list,
          nested: !this.sortable,
          nonEmpty: parts.map((p) => `(${p.nonEmpty})`).join(' || '),
          repeats: !this.sortable,
        };
      }
      case 'items': {
        const x = this.fresh('i');
        const where = this.cond(c.where, x);
        const items = this.list(SPEC, c.list);
        return {
          list: `${items}.map(${x}, ${where}, ${this.value(x, c.select, c.unset)})`,
          nested: false,
          nonEmpty: `${items}.exists(${x}, ${where})`,
        };
      }
      case 'itemKinds': {
        const x = this.fresh('i');
        const kind = c.kinds.reduceRight((rest, k) => `${this.value(x, [k], undefined)} != null ? ${celLit(k)} : ${rest}`, celLit(c.otherwise));
        const where = this.cond(c.where, x);
        const items = this.list(SPEC, c.list);
        const list = `${items}.map(${x}, ${where}, ${kind})`;
        return { list: this.sortedSet(list), nested: false, nonEmpty: `${items}.exists(${x}, ${where})`, repeats: !this.sortable };
      }
      case 'labels': {
        const parts = c.entries.map((e) => ({ cond: this.cond(e.where, SPEC), label: celLit(e.label) }));
        return {
          list: parts.map((p) => `((${p.cond}) ? [${p.label}] : [])`).join(' + '),
          nested: false,
          nonEmpty: parts.map((p) => `(${p.cond})`).join(' || '),
        };
      }
      case 'annotations': {
        const parts = c.keys.map((keys) => {
          const k = this.fresh('k');
          const value = `${ANNOTATIONS}[${k}]`;
          const bad = `!(${this.cond(c.allowed, value)})`;
          const entry = `${k} + "=" + ${goQuote(this.value(value, [], ''))}`;
          switch (keys.kind) {
            case 'prefix': {
              const test = `${k}.startsWith(${celLit(keys.prefix)}) && ${bad}`;
              return { list: `${ANNOTATIONS}.map(${k}, ${test}, ${entry})`, exists: `${ANNOTATIONS}.exists(${k}, ${test})` };
            }
            case 'exact': {
              const test = `${k} in ${ANNOTATIONS} && ${bad}`;
              const key = `[${celLit(keys.key)}]`;
              return { list: `${key}.map(${k}, ${test}, ${entry})`, exists: `${key}.exists(${k}, ${test})` };
            }
            case 'perContainer': {
              const x = this.fresh('c');
              const keysList = `${CONTAINERS}.map(${x}, ${celLit(keys.prefix)} + ${this.value(x, ['name'], '')})`;
              const test = `${k} in ${ANNOTATIONS} && ${bad}`;
              return { list: `${keysList}.map(${k}, ${test}, ${entry})`, exists: `${keysList}.exists(${k}, ${test})` };
            }
          }
        });
        const list = parts.map((p) => p.list).join(' + ');
        return {
          list: this.sortable ? this.sortedSet(list) : list,
          nested: false,
          nonEmpty: parts.map((p) => `(${p.exists})`).join(' || '),
        };
      }
      case 'concat': {
        const parts = c.of.map(get);
        const nested = parts.some((p) => p.nested);
        return {
          list: parts.map((p) => (nested && !p.nested ? `[${p.list}]` : `(${p.list})`)).join(' + '),
          nested,
          nonEmpty: parts.map((p) => `(${p.nonEmpty})`).join(' || '),
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

  count(l: Lowered): string {
    const x = this.fresh('l');
    return l.nested ? `(${l.list}).map(${x}, size(${x})).sum()` : `size(${l.list})`;
  }

  /**
   * Number of distinct entries without distinct(): each entry counts 1/m, m being
   * how often it occurs. Quadratic, so used only where upstream's reason depends on it.
   */
  distinctCount(l: Lowered): string {
    const [x, y, k, inner] = [this.fresh('x'), this.fresh('y'), this.fresh('k'), this.fresh('l')];
    const occurrences = l.nested
      ? `([0] + (${l.list}).map(${k}, size(${k}.filter(${y}, ${y} == ${x})))).sum()`
      : `size((${l.list}).filter(${y}, ${y} == ${x}))`;
    const shares = l.nested
      ? `(${l.list}).map(${inner}, ([0.0] + ${inner}.map(${x}, 1.0 / double(${occurrences}))).sum())`
      : `(${l.list}).map(${x}, 1.0 / double(${occurrences}))`;
    return `int(([0.0] + ${shares}).sum() + 0.5)`;
  }

  joined(l: Lowered, sep: string): string {
    const x = this.fresh('l');
    return l.nested
      ? `(${l.list}).filter(${x}, size(${x}) > 0).map(${x}, ${x}.join(${celLit(sep)})).join(${celLit(sep)})`
      : `(${l.list}).join(${celLit(sep)})`;
  }

  /** `exactCounts`: count sets without repeats even where that costs a quadratic walk */
  msg(m: Msg, get: (name: string) => Lowered, exactCounts = false): string {
    if (typeof m === 'string') return celLit(m);
    if (Array.isArray(m)) {
      const flat = (xs: readonly Msg[]): Msg[] => xs.flatMap((x) => (Array.isArray(x) ? flat(x) : [x as Msg]));
      return flat(m).map((x) => this.msg(x, get, exactCounts)).join(' + ');
    }
    const node = m as Exclude<Msg, string | readonly Msg[]>;
    if ('plural' in node) {
      const l = get(node.count);
      const n = exactCounts && l.repeats ? this.distinctCount(l) : this.count(l);
      return `(${n} == 1 ? ${celLit(node.plural[0])} : ${celLit(node.plural[1])})`;
    }
    if ('quoted' in node) {
      const l = get(node.quoted);
      return `((${l.nonEmpty}) ? "\\"" + ${this.joined(l, '", "')} + "\\"" : "")`;
    }
    if ('joined' in node) return this.joined(get(node.joined), node.sep);
    if ('parts' in node) {
      const parts = node.parts.map((p) => `((${get(p.when).nonEmpty}) ? [${this.msg(p.msg, get)}] : [])`);
      return `(${parts.join(' + ')}).join(${celLit(node.sep)})`;
    }
    return `(${node.first.reduceRight((rest, p) => `(${get(p.when).nonEmpty}) ? ${this.msg(p.msg, get)} : ${rest}`, '""')})`;
  }

  /** `prefix`: a CEL string expression put before the reason (PSA's violation prefix) */
  rule(r: Rule, prefix?: string): CelValidation {
    const lowerWith = (get: (name: string) => Lowered) => (name: string): Lowered => {
      const c = r.collections[name];
      if (!c) throw new Error(`${r.check}: unknown collection ${name}`);
      return this.collection(c, get);
    };
    const inline = (name: string): Lowered => lowerWith(inline)(name);
    const fails = r.failWhen.map((n) => `(${inline(n).nonEmpty})`).join(' || ');
    const passes = `${r.allowWhen ? `(${this.cond(r.allowWhen, SPEC)}) || ` : ''}!(${fails})`;

    // The message binds each collection it reads once ([list].map(name, …)[0]), in dependency order.
    const bound = new Map<string, Lowered>();
    const bindings: { name: string; list: string }[] = [];
    const bind = (name: string): Lowered => {
      const known = bound.get(name);
      if (known) return known;
      const lowered = lowerWith(bind)(name);
      const v = `${name}_`;
      bindings.push({ name: v, list: lowered.list });
      const l: Lowered = {
        list: v,
        nested: lowered.nested,
        nonEmpty: lowered.nested ? `${v}.exists(l, size(l) > 0)` : `size(${v}) > 0`,
        repeats: lowered.repeats,
      };
      bound.set(name, l);
      return l;
    };
    // upstream's reason must come out identical, so its counts are exact
    const reason = this.msg(r.reason, bind, true);
    const detail = this.msg(r.detail, bind);
    // upstream prints "reason (detail)", or the bare reason when the detail is empty
    const text = `${prefix ? `${prefix} + ` : ''}${reason} + [${detail}].map(d, d == "" ? "" : " (" + d + ")")[0]`;
    const message = bindings.reduceRight((inner, b) => `[${b.list}].map(${b.name}, ${inner})[0]`, text);
    return {
      check: r.check,
      expression: passes,
      // the API server evaluates every messageExpression, so a passing check returns early
      messageExpression: `(${passes}) ? "" : ${message}`,
    };
  }
}

/** The pod template at each workload kind's path; a missing template reads as an empty pod, which passes. */
export function workloadTemplate(w: CelWriter): string {
  const byKind = WORKLOAD_TEMPLATES.reduceRight(
    (rest, t) => `${OBJECT}.?kind.orValue("") == ${celLit(t.kind)} ? ${w.value(OBJECT, t.template, undefined)} : ${rest}`, 'null');
  return `optional.ofNonZeroValue(${byKind}).orValue({})`;
}

/** The variables every check reads: the pod (or template) spec, its containers in visit order, its annotations. */
export function podVariables(w: CelWriter, subject: CelOptions['subject']): CelVariable[] {
  const lists = CONTAINER_LISTS.map((l) => w.list(SPEC, [l]));
  const variables: CelVariable[] = [];
  let pod = OBJECT;
  if (subject === 'workload') {
    variables.push({ name: 'template', expression: workloadTemplate(w) });
    pod = 'variables.template';
  }
  const object = (path: Path) => `optional.ofNonZeroValue(${w.value(pod, path, undefined)}).orValue({})`;
  variables.push(
    { name: 'spec', expression: object(['spec']) },
    { name: 'containers', expression: lists.join(' + ') },
    { name: 'annotations', expression: object(['metadata', 'annotations']) },
  );
  return variables;
}

export function lowerToCel(rules: readonly Rule[], o: CelPolicyOptions): CelPolicy {
  const w = new CelWriter(o);
  const variables = podVariables(w, o.subject);
  const validations = rules.map((r) => w.rule(r, o.messagePrefix ? celLit(o.messagePrefix) : undefined));
  if (!o.unlessDeniedBy || o.unlessDeniedBy.length === 0) return { variables, validations };
  const denied = `!(${o.unlessDeniedBy.map((r) => `(${w.rule(r).expression})`).join(' && ')})`;
  variables.push({ name: 'enforceDenies', expression: denied });
  return { variables, validations: silenced(validations) };
}

/** Every validation passes, and says nothing, while variables.enforceDenies holds. */
export function silenced(validations: readonly CelValidation[]): CelValidation[] {
  return validations.map((v) => ({
    check: v.check,
    expression: `variables.enforceDenies || (${v.expression})`,
    messageExpression: `variables.enforceDenies ? "" : ${v.messageExpression}`,
  }));
}
