// Lays out a generated CEL expression for a reviewer: an expression that fits
// stays on one line; one that does not breaks at its loosest operators (a
// conditional's ? and :, then ||, &&, comparisons, +), each operand on its own
// line led by its operator, and otherwise inside its calls and literals, one
// argument per line. Only whitespace between tokens changes, so the CEL means
// the same; string literals are never broken.

interface Token {
  text: string;
  /** whitespace before it in the source */
  space: boolean;
}

interface Group {
  open: Token;
  /** comma-separated items */
  items: Item[][];
  close: string;
}

type Item = Token | Group;

const isGroup = (i: Item): i is Group => 'items' in i;
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|\.\?|\|\||&&|==|!=|<=|>=|[-+*/%<>!?:.,()[\]{}])/y;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) {
      if (src.slice(at).trim() === '') break;
      throw new Error(`CEL layout: cannot read ${JSON.stringify(src.slice(at, at + 20))}`);
    }
    tokens.push({ text: m[1]!, space: m[0].length > m[1]!.length });
  }
  return tokens;
}

function parse(tokens: Token[]): Item[] {
  let at = 0;
  const sequence = (close?: string): Item[][] => {
    const items: Item[][] = [[]];
    while (at < tokens.length) {
      const t = tokens[at++]!;
      if (t.text === close) return items;
      if (t.text === ',' && close) items.push([]);
      else if (CLOSE[t.text]) {
        const inner = sequence(CLOSE[t.text]);
        items.at(-1)!.push({ open: t, items: inner.length === 1 && inner[0]!.length === 0 ? [] : inner, close: CLOSE[t.text]! });
      } else items.at(-1)!.push(t);
    }
    if (close) throw new Error(`CEL layout: missing ${close}`);
    return items;
  };
  return sequence()[0]!;
}

/** each group's one-line text, computed once: layout asks for it at every level above it */
const flatTexts = new WeakMap<Group, string>();
function flatGroup(g: Group): string {
  let text = flatTexts.get(g);
  if (text === undefined) flatTexts.set(g, text = `${g.open.text}${g.items.map(flat).join(', ')}${g.close}`);
  return text;
}

function flat(seq: readonly Item[]): string {
  return seq.map((i, n) => `${n > 0 && (isGroup(i) ? i.open.space : i.space) ? ' ' : ''}${isGroup(i) ? flatGroup(i) : i.text}`).join('');
}

/** a call or index this short is never opened */
const SHORT_GROUP = 16;
/** list and map entries up to this long are packed into lines rather than one per line */
const FILL_ITEM = 40;

/** Operators to break at, loosest first. */
const BREAKS: readonly (readonly string[])[] = [['?', ':'], ['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', 'in'], ['+']];

class Layout {
  constructor(private readonly width: number) {}

  private fits(text: string, column: number): boolean {
    return column + text.length <= this.width;
  }

  /**
   * Lines of `seq`: the first continues a line at `column`, the others carry
   * their own indentation (`indent` for this sequence's level).
   */
  lines(seq: readonly Item[], column: number, indent: number, inMap = false): string[] {
    const text = flat(seq);
    if (this.fits(text, column)) return [text];
    for (const ops of BREAKS) {
      const at = seq.flatMap((i, n) => (n > 0 && !isGroup(i) && ops.includes(i.text) && !(inMap && i.text === ':') ? [n] : []));
      if (at.length > 0) return this.operands(seq, at, column, indent);
    }
    return this.chain(seq, column, indent);
  }

  /** each operand on its own line, led by its operator */
  private operands(seq: readonly Item[], at: readonly number[], column: number, indent: number): string[] {
    const out = this.lines(seq.slice(0, at[0]), column, indent);
    at.forEach((n, k) => {
      const op = (seq[n] as Token).text;
      const operand = seq.slice(n + 1, at[k + 1] ?? seq.length);
      const inner = indent + op.length + 1;
      const [first, ...rest] = this.lines(operand, inner, inner);
      out.push(`${' '.repeat(indent)}${op} ${first}`, ...rest);
    });
    return out;
  }

  /** short list or map entries, as many to a line as fit */
  private fill(entries: readonly string[], indent: number): string[] {
    const lines: string[] = [];
    let line = '';
    entries.forEach((e, k) => {
      const text = k < entries.length - 1 ? `${e},` : e;
      if (line && !this.fits(`${line} ${text}`, indent)) {
        lines.push(' '.repeat(indent) + line);
        line = '';
      }
      line = line ? `${line} ${text}` : text;
    });
    return [...lines, ' '.repeat(indent) + line];
  }

  /** a postfix chain (a.b(…).c[…]): calls and literals that do not fit open up, one item per line */
  private chain(seq: readonly Item[], column: number, indent: number): string[] {
    const out = [''];
    const lastGroup = seq.reduce((last, i, n) => (isGroup(i) ? n : last), -1);
    seq.forEach((item, n) => {
      const sp = n > 0 && (isGroup(item) ? item.open.space : item.space) ? ' ' : '';
      const at = (out.length === 1 ? column : 0) + out.at(-1)!.length + sp.length;
      if (!isGroup(item)) {
        out[out.length - 1] += sp + item.text;
        return;
      }
      const rest = n === lastGroup ? flat(seq.slice(n)) : flatGroup(item);
      // opening a short call or index gains nothing: it stays whole, a little past the width
      if (item.items.length === 0 || this.fits(rest, at) || flatGroup(item).length <= SHORT_GROUP) {
        out[out.length - 1] += sp + flatGroup(item);
        return;
      }
      const inner = indent + 2;
      if (item.open.text !== '(' && item.items.every((it) => it.every((i) => !isGroup(i)) && flat(it).length <= FILL_ITEM)) {
        out[out.length - 1] += sp + item.open.text;
        out.push(...this.fill(item.items.map(flat), inner), ' '.repeat(indent) + item.close);
        return;
      }
      // a comprehension keeps its variable on the opening line: .map(c,
      const first = item.items[0]!;
      const keep = item.open.text === '(' && item.items.length > 1 && first.length === 1 && !isGroup(first[0]!);
      out[out.length - 1] += sp + item.open.text + (keep ? `${flat(first)},` : '');
      const items = keep ? item.items.slice(1) : item.items;
      items.forEach((it, k) => {
        const comma = k < items.length - 1 ? ',' : '';
        const lines = this.lines(it, inner, inner, item.open.text === '{');
        lines[0] = ' '.repeat(inner) + lines[0];
        lines[lines.length - 1] += comma;
        out.push(...lines);
      });
      out.push(' '.repeat(indent) + item.close);
    });
    return out;
  }
}

/** laid-out expressions by width and text: a bundle set repeats most of its expressions */
const laidOut = new Map<string, string>();

/** `expression` laid out in lines of at most `width` characters where its tokens allow */
export function layoutCel(expression: string, width: number): string {
  const key = `${width}\n${expression}`;
  let text = laidOut.get(key);
  if (text === undefined) laidOut.set(key, text = new Layout(width).lines(parse(tokenize(expression)), 0, 0).join('\n'));
  return text;
}
