// Lowers rules to Rego (v1 syntax) for Gatekeeper. Each rule becomes one
// `violation` body; conditions that need negation or disjunction become small
// helper functions, shared when identical. The fixed module parts (input
// anchors, message helpers) live in templates/gatekeeper/policy.rego.hbs.
import type { Collection, Cond, Msg, Path, Rule, Scalar, ValueSource } from '../../rules/ir.js';
import { CONTAINER_LISTS } from '../../model/pod.js';

export interface RegoRule {
  check: string;
  /** which revision, when a module carries several of one check */
  note?: string;
  statements: string[];
}

/** A rule, with the statement that must hold for it to apply (label mode: its level and version are selected). */
export interface GuardedRule {
  rule: Rule;
  guard?: string;
  note?: string;
}

export interface RegoModule {
  containerLists: string;
  rules: RegoRule[];
  /** bodies of `_enforce_denies`, one per check of the enforce level that silences this policy */
  deniedBy: RegoRule[];
  helpers: string[];
}

/** Rego literal; strings are kept ASCII so the module survives any YAML or terminal */
export const lit = (v: Scalar | null): string =>
  JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
const pathLit = (p: Path): string => `[${p.map(lit).join(', ')}]`;
/** `(a + b) + c`: left-associated, with the parentheses opa fmt writes */
const sum = (xs: readonly string[]): string => xs.reduce((acc, x, i) => (i === 1 ? `${acc} + ${x}` : `(${acc}) + ${x}`));
/** the sorted union of sets: `union` rather than a chain of `|`, which opa fmt nests in parentheses */
const sortedUnion = (sets: readonly string[]): string => (sets.length === 1 ? `sort(${sets[0]})` : `sort(union({${sets.join(', ')}}))`);

const EQUALS_LITERAL = /^x == ("(?:[^"\\]|\\.)*"|-?[0-9]+|true|false|null)$/;
/** set literals longer than this become a named constant, so no expression breaks inside an `in` */
const INLINE_SET = 60;
/** a collection's name as a Rego variable: `c_missing_drop` */
const localName = (name: string): string => `c_${name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}`;

class Writer {
  helpers: string[] = [];
  private helperNames = new Map<string, string>();
  private setNames = new Map<string, string>();
  private vars = 0;

  freshVar(prefix: string): string {
    return `${prefix}${this.vars++}`;
  }

  /** a helper function (one definition per body: their disjunction); reused when identical */
  helper(params: string, bodies: string[][], kind = 'cond'): string {
    const key = `${params}|${JSON.stringify(bodies)}`;
    const known = this.helperNames.get(key);
    if (known) return known;
    const name = `_${kind}${this.helperNames.size}`;
    this.helperNames.set(key, name);
    for (const body of bodies) {
      // an equality with a literal is matched on the argument: `_cond0("runtime/default")`
      const equal = params === 'x' && body.length === 1 ? EQUALS_LITERAL.exec(body[0]!) : null;
      this.helpers.push(equal ? `${name}(${equal[1]})` : `${name}(${params}) if {\n${body.map((s) => `\t${s}`).join('\n')}\n}`);
    }
    return name;
  }

  /** value at `path` below `anchor`; missing or null reads as `unset` */
  value(anchor: string, path: Path, unset: Scalar | undefined): string {
    const d = lit(unset ?? null);
    // reading null as null needs no helper: object.get alone is cheaper
    if (d === 'null') return path.length === 0 ? anchor : `object.get(${anchor}, ${pathLit(path)}, null)`;
    return path.length === 0 ? `_or(${anchor}, ${d})` : `_get(${anchor}, ${pathLit(path)}, ${d})`;
  }

  /**
   * One statement: the value at `path` (missing and null reading as `unset`) is
   * (or, negated, is not) one of `values`. Inlined with object.get instead of
   * calling _get: a missing or null value matches exactly when `unset` is listed.
   */
  private membership(anchor: string, path: Path, unset: Scalar | undefined, values: readonly Scalar[], negated: boolean): string {
    const raw = path.length === 0 ? anchor : `object.get(${anchor}, ${pathLit(path)}, null)`;
    const options = unset !== undefined && values.includes(unset) ? [...values.map(lit), 'null'] : values.map(lit);
    if (options.length === 1) return `${raw} ${negated ? '!=' : '=='} ${options[0]}`;
    return `${negated ? 'not ' : ''}${raw} in ${this.setLit(options)}`;
  }

  /** a set literal, or for a long one a constant holding it (shared when identical) */
  private setLit(options: readonly string[]): string {
    const set = `{${options.join(', ')}}`;
    if (set.length <= INLINE_SET) return set;
    const known = this.setNames.get(set);
    if (known) return known;
    const name = `_values${this.setNames.size}`;
    this.setNames.set(set, name);
    this.helpers.push(`${name} := ${set}`);
    return name;
  }

  /** statements that hold exactly when `cond` holds for `anchor` */
  cond(c: Cond, anchor: string): string[] {
    switch (c.op) {
      case 'eq':
        return [this.membership(anchor, c.path, c.unset, [c.value], false)];
      case 'in':
        return [this.membership(anchor, c.path, c.unset, c.values, false)];
      case 'prefix':
        return [`startswith(${this.value(anchor, c.path, '')}, ${lit(c.prefix)})`];
      case 'set':
        return [`${this.value(anchor, c.path, undefined)} != null`];
      case 'all':
        return c.conds.flatMap((x) => this.cond(x, anchor));
      case 'any':
        return [`${this.helper('x', c.conds.map((x) => this.cond(x, 'x')))}(${anchor})`];
      case 'some':
        // a helper keeps it existential: inline, each matching item would repeat the result
        return [`${this.helper('x', [[`some item in _list(x, ${pathLit(c.path)})`, ...this.cond(c.cond, 'item')]])}(${anchor})`];
      case 'not':
        return [this.negate(c.cond, anchor)];
    }
  }

  /** one statement that holds exactly when `cond` does not */
  negate(c: Cond, anchor: string): string {
    switch (c.op) {
      case 'eq':
        return this.membership(anchor, c.path, c.unset, [c.value], true);
      case 'in':
        return this.membership(anchor, c.path, c.unset, c.values, true);
      case 'set':
        return `${this.value(anchor, c.path, undefined)} == null`;
      case 'not': {
        const body = this.cond(c.cond, anchor);
        return body.length === 1 ? body[0]! : `${this.helper('x', [this.cond(c.cond, 'x')])}(${anchor})`;
      }
      default: {
        const body = this.cond(c, anchor);
        return body.length === 1 ? `not ${body[0]}` : `not ${this.helper('x', [this.cond(c, 'x')])}(${anchor})`;
      }
    }
  }

  private valueSet(s: ValueSource): string {
    const body: string[] = [];
    let anchor = '_spec';
    if (s.anchor === 'containers') {
      anchor = this.freshVar('c');
      body.push(`some ${anchor} in _containers`);
    }
    if (s.where) body.push(...this.cond(s.where, anchor));
    if (s.list) {
      const item = this.freshVar('item');
      body.push(`some ${item} in _list(${anchor}, ${pathLit(s.list)})`);
      anchor = item;
    }
    const raw = this.freshVar('v');
    body.push(`${raw} := ${this.value(anchor, s.path, s.unset)}`, ...this.cond(s.keep, raw));
    const out = s.format === 'int' ? `format_int(${raw}, 10)` : raw;
    return `{${out} | ${body.join('; ')}}`;
  }

  collection(c: Collection, local: (name: string) => string): string {
    switch (c.kind) {
      case 'containerNames': {
        const v = this.freshVar('c');
        const body = [
          ...(c.podCond ? this.cond(c.podCond, '_spec') : []),
          `some ${v} in _containers`,
          ...this.cond(c.where, v),
        ].join('; ');
        const name = `_get(${v}, ["name"], "")`;
        return c.sorted ? `sort({${name} | ${body}})` : `[${name} | ${body}]`;
      }
      case 'podFlag':
        return `["pod" | ${this.cond(c.where, '_spec').join('; ')}]`;
      case 'values':
        return sortedUnion(c.from.map((s) => this.valueSet(s)));
      case 'items': {
        const v = this.freshVar('item');
        const body = [`some ${v} in _list(_spec, ${pathLit(c.list)})`, ...this.cond(c.where, v)].join('; ');
        return `[${this.value(v, c.select, c.unset)} | ${body}]`;
      }
      case 'itemKinds': {
        const v = this.freshVar('item');
        const kindOf = this.kindHelper(c.kinds, c.otherwise);
        const body = [`some ${v} in _list(_spec, ${pathLit(c.list)})`, ...this.cond(c.where, v)].join('; ');
        return `sort({${kindOf}(${v}) | ${body}})`;
      }
      case 'labels':
        return this.concatArrays(c.entries.map((e) => `[${lit(e.label)} | ${this.cond(e.where, '_spec').join('; ')}]`));
      case 'annotations': {
        const allowed = this.helper('x', [this.cond(c.allowed, 'x')]);
        const sets = c.keys.map((keys) => {
          const k = this.freshVar('k');
          const v = this.freshVar('v');
          const entry = `concat("", [${k}, "=", _goquote(_or(${v}, ""))])`;
          switch (keys.kind) {
            case 'prefix':
              return `{${entry} | some ${k}, ${v} in _annotations; startswith(${k}, ${lit(keys.prefix)}); not ${allowed}(${v})}`;
            case 'exact':
              return `{${entry} | ${k} := ${lit(keys.key)}; ${v} := _annotations[${k}]; not ${allowed}(${v})}`;
            case 'perContainer': {
              const ctr = this.freshVar('c');
              return `{${entry} | some ${ctr} in _containers; ${k} := concat("", [${lit(keys.prefix)}, _get(${ctr}, ["name"], "")]); ${v} := _annotations[${k}]; not ${allowed}(${v})}`;
            }
          }
        });
        return sortedUnion(sets);
      }
      case 'concat':
        return this.concatArrays(c.of.map(local));
    }
  }

  private concatArrays(arrays: string[]): string {
    if (arrays.length === 0) return '[]';
    return arrays.reduce((acc, a) => `array.concat(${acc}, ${a})`);
  }

  private kindHelper(kinds: readonly string[], otherwise: string): string {
    const name = `_kind${this.helpers.length}`;
    const branches = kinds.map((k) => `${lit(k)} if {\n\tobject.get(x, ${pathLit([k])}, null) != null\n}`);
    this.helpers.push(`${name}(x) := ${branches.join(' else := ')} else := ${lit(otherwise)}`);
    return name;
  }

  msg(m: Msg, local: (name: string) => string): string {
    if (typeof m === 'string') return lit(m);
    if (Array.isArray(m)) {
      const flat = (xs: readonly Msg[]): Msg[] => xs.flatMap((x) => (Array.isArray(x) ? flat(x) : [x as Msg]));
      const parts = flat(m).map((x) => this.msg(x, local));
      return parts.length === 1 ? parts[0]! : `concat("", [${parts.join(', ')}])`;
    }
    const node = m as Exclude<Msg, string | readonly Msg[]>;
    if ('plural' in node) return `_plural(${lit(node.plural[0])}, ${lit(node.plural[1])}, count(${local(node.count)}))`;
    if ('quoted' in node) return `_q(${local(node.quoted)})`;
    if ('joined' in node) return `concat(${lit(node.sep)}, ${local(node.joined)})`;
    const options = ('parts' in node ? node.parts : node.first).map(
      (p) => `[${this.msg(p.msg, local)} | count(${local(p.when)}) > 0]`,
    );
    const list = this.concatArrays(options);
    return 'parts' in node ? `concat(${lit(node.sep)}, ${list})` : `_first(${list})`;
  }

  rule(r: Rule): RegoRule {
    const local = (name: string): string => {
      if (!(name in r.collections)) throw new Error(`${r.check}: unknown collection ${name}`);
      return localName(name);
    };
    const statements: string[] = [];
    if (r.allowWhen) statements.push(this.negate(r.allowWhen, '_spec'));
    const names = Object.keys(r.collections);
    // the collections that decide come first, so the rest is only computed for failing pods
    const ordered = [...r.failWhen, ...names.filter((n) => !r.failWhen.includes(n))];
    const emitted = new Set<string>();
    const emit = (name: string): void => {
      if (emitted.has(name)) return;
      const c = r.collections[name]!;
      if (c.kind === 'concat') c.of.forEach(emit);
      emitted.add(name);
      statements.push(`${local(name)} := ${this.collection(c, local)}`);
    };
    r.failWhen.forEach(emit);
    statements.push(`${sum(r.failWhen.map((n) => `count(${local(n)})`))} > 0`);
    ordered.forEach(emit);
    statements.push(`reason := ${this.msg(r.reason, local)}`, `detail := ${this.msg(r.detail, local)}`);
    return { check: r.check, statements };
  }
}

export function lowerToRego(rules: readonly GuardedRule[], unlessDeniedBy: readonly GuardedRule[] = []): RegoModule {
  const w = new Writer();
  const lists = CONTAINER_LISTS.map((l) => `_list(_spec, ${pathLit([l])})`);
  const guarded = (g: GuardedRule, statements: string[]): RegoRule =>
    ({ check: g.rule.check, note: g.note, statements: g.guard ? [g.guard, ...statements] : statements });
  return {
    containerLists: lists.reduce((acc, l) => `array.concat(${acc}, ${l})`),
    rules: rules.map((g) => guarded(g, w.rule(g.rule).statements)),
    // only whether the check fails matters here, not its message
    deniedBy: unlessDeniedBy.map((g) => {
      const { statements } = w.rule(g.rule);
      const decided = statements.findIndex((st) => /^\(*count\(.*\) > 0$/.test(st));
      return guarded(g, statements.slice(0, decided + 1));
    }),
    helpers: w.helpers,
  };
}
