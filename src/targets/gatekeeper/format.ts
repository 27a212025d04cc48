// Lays out a generated Rego module as `opa fmt` keeps it: a line longer than
// REGO_LINE_WIDTH is broken at its brackets, the way the formatter writes a
// collection, call or comprehension that spans several lines (one item per
// line with a trailing comma, or a comprehension's head on the opening line
// and one body expression per line). Only the line breaks change: the terms,
// and so what the module decides, stay as they are.

import { LINE_WIDTH as REGO_LINE_WIDTH, wrapWords } from '../../wrap.js';

type Node = string | Group;
interface Group {
  open: string;
  close: string;
  /** a comprehension: `head | body; body` */
  head?: Node[];
  /** the comma-separated items, or the comprehension's body expressions */
  items: Node[][];
}

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Parses one line into atoms and bracket groups; undefined when its brackets do not balance. */
function parse(text: string): Node[] | undefined {
  let i = 0;
  // one level: a sequence up to `stop` (a closing bracket) at this depth, split at top-level separators
  const level = (stop: string | undefined): { parts: Node[][]; seps: string[] } | undefined => {
    const parts: Node[][] = [[]];
    const seps: string[] = [];
    let atom = '';
    const flush = (): void => {
      if (atom !== '') parts.at(-1)!.push(atom);
      atom = '';
    };
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"' || ch === '`') {
        const start = i++;
        while (i < text.length && text[i] !== ch) i += ch === '"' && text[i] === '\\' ? 2 : 1;
        if (i >= text.length) return undefined;
        atom += text.slice(start, ++i);
      } else if (ch in CLOSE) {
        i++;
        flush();
        const inner = level(CLOSE[ch]);
        if (!inner) return undefined;
        parts.at(-1)!.push(group(ch, CLOSE[ch]!, inner.parts, inner.seps));
      } else if (ch === ')' || ch === ']' || ch === '}') {
        if (ch !== stop) return undefined;
        i++;
        flush();
        return { parts, seps };
      } else if (stop !== undefined && (ch === ',' || ch === ';' || ch === '|')) {
        i++;
        flush();
        seps.push(ch);
        parts.push([]);
      } else {
        atom += ch;
        i++;
      }
    }
    flush();
    return stop === undefined ? { parts, seps } : undefined;
  };
  const top = level(undefined);
  return top?.parts.length === 1 ? top.parts[0]! : undefined;
}

const trimSeq = (seq: Node[]): Node[] => {
  const out = [...seq];
  if (typeof out[0] === 'string') out[0] = out[0].trimStart();
  if (typeof out.at(-1) === 'string') out[out.length - 1] = (out.at(-1) as string).trimEnd();
  return out.filter((n) => n !== '');
};

function group(open: string, close: string, parts: Node[][], seps: string[]): Group {
  // a comprehension: `head | body; body`, each body expression keeping its own commas (`some k, v in`)
  const comprehension = open !== '(' && seps[0] === '|';
  const split = comprehension ? ';' : ',';
  const items: Node[][] = [[]];
  parts.forEach((p, n) => {
    const sep = n > 0 ? seps[n - 1]! : undefined;
    if (sep === split || (comprehension && n === 1)) items.push([]);
    else if (sep !== undefined) items.at(-1)!.push(sep);
    items.at(-1)!.push(...p);
  });
  if (comprehension) return { open, close, head: trimSeq(items[0]!), items: items.slice(1).map(trimSeq) };
  return { open, close, items: items.length === 1 && items[0]!.length === 0 ? [] : items.map(trimSeq) };
}

const flat = (seq: readonly Node[]): string => seq.map((n) => (typeof n === 'string' ? n : flatGroup(n))).join('');

function flatGroup(g: Group): string {
  if (g.head) return `${g.open}${flat(g.head)} | ${g.items.map(flat).join('; ')}${g.close}`;
  return `${g.open}${g.items.map(flat).join(', ')}${g.close}`;
}

const tabs = (n: number): string => '\t'.repeat(n);
const isGroup = (n: Node | undefined): n is Group => typeof n === 'object';

/** `seq` starting at column `col` of a line indented `level` tabs, with `tail` characters after it */
function layout(seq: readonly Node[], level: number, col: number, tail: number): string {
  const text = flat(seq);
  if (col + text.length + tail <= REGO_LINE_WIDTH) return text;
  // break the largest group; the others stay on the lines they start on
  let at = -1;
  seq.forEach((n, k) => {
    if (isGroup(n) && (n.items.length > 0) && (at < 0 || flatGroup(n).length >= flatGroup(seq[at] as Group).length)) at = k;
  });
  if (at < 0) return text;
  const before = flat(seq.slice(0, at));
  const after = flat(seq.slice(at + 1));
  return before + breakGroup(seq[at] as Group, level, col + before.length, tail + after.length) + after;
}

function breakGroup(g: Group, level: number, col: number, tail: number): string {
  const inner = level + 1;
  const line = (seq: readonly Node[], end: string): string => `${tabs(inner)}${layout(seq, inner, inner, end.length)}${end}`;
  if (g.head) {
    // a long head breaks like any term: its items one level in, its closing bracket before the `|`
    const head = layout(g.head, level, col + g.open.length, 2);
    const body = g.items.map((e) => line(e, ''));
    return `${g.open}${head} |\n${body.join('\n')}\n${tabs(level)}${g.close}`;
  }
  // hug: a last item that is a call or collection opens on this line, the literals before it staying there too
  const last = g.items.at(-1)!;
  const lastGroup = last.at(-1);
  const literal = (seq: readonly Node[]): boolean => seq.every((n) => typeof n === 'string');
  if (isGroup(lastGroup) && lastGroup.items.length > 0 && literal(last.slice(0, -1)) && g.items.slice(0, -1).every(literal)) {
    const lead = `${g.open}${[...g.items.slice(0, -1).map(flat), flat(last.slice(0, -1))].join(', ')}${lastGroup.open}`;
    if (lead.length <= 40 && col + lead.length <= REGO_LINE_WIDTH) {
      return `${lead.slice(0, -1)}${breakGroup(lastGroup, level, col + lead.length - 1, tail + 1)}${g.close}`;
    }
  }
  // literals only: as many to a line as fit
  if (g.items.every((it) => it.every((n) => typeof n === 'string'))) {
    const lines: string[] = [];
    let current = '';
    for (const it of g.items) {
      const item = `${flat(it)},`;
      if (current !== '' && inner + current.length + 1 + item.length > REGO_LINE_WIDTH) {
        lines.push(current);
        current = '';
      }
      current = current === '' ? item : `${current} ${item}`;
    }
    lines.push(current);
    return `${g.open}\n${lines.map((l) => `${tabs(inner)}${l}`).join('\n')}\n${tabs(level)}${g.close}`;
  }
  return `${g.open}\n${g.items.map((it) => line(it, ',')).join('\n')}\n${tabs(level)}${g.close}`;
}

/** A comment, wrapped at spaces */
const wrapComment = (text: string, indent: string): string =>
  wrapWords(text, REGO_LINE_WIDTH - indent.length - 2).map((l) => `${indent}# ${l}`).join('\n');

/** One source line, broken when too long; left as it is when it cannot be parsed. */
function layoutLine(line: string): string {
  if (line.length <= REGO_LINE_WIDTH) return line;
  const level = /^\t*/.exec(line)![0].length;
  if (line.startsWith('#', level)) return wrapComment(line.slice(level + 1).trim(), tabs(level));
  let text = line.slice(level);
  // a rule's head: `… if {`, `} else := … if {`
  const lead = text.startsWith('} ') ? '} ' : '';
  const end = text.endsWith(' {') ? ' {' : '';
  text = text.slice(lead.length, text.length - end.length);
  const seq = parse(text);
  if (!seq || flat(seq) !== text) return line;
  return `${tabs(level)}${lead}${layout(seq, level, level + lead.length, end.length)}${end}`;
}

export function layoutRego(module: string): string {
  return module.split('\n').map(layoutLine).join('\n');
}
