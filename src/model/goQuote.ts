// Upstream formats annotation values with Go's %q (strconv.Quote). These are the
// characters it escapes besides `\` and `"`: ASCII controls and DEL as \a..\v or
// \xNN, and the non-printable code points below as \u escapes. Go treats other
// unassigned or private-use code points as non-printable too; those are rare
// enough in annotation values that targets pass them through unescaped.

const NAMED: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Code point ranges (inclusive) Go prints as \uXXXX: C1 controls, spaces and format characters. */
const NON_PRINTABLE: readonly [number, number][] = [
  [0x80, 0xa0], [0xad, 0xad], [0x600, 0x605], [0x61c, 0x61c], [0x6dd, 0x6dd], [0x70f, 0x70f],
  [0x1680, 0x1680], [0x180e, 0x180e], [0x2000, 0x200f], [0x2028, 0x202f], [0x205f, 0x2064],
  [0x2066, 0x206f], [0x3000, 0x3000], [0xfeff, 0xfeff], [0xfff9, 0xfffb],
];

/** character → escape, for every character Go's %q escapes except `\` and `"` */
export const GO_QUOTE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ...Array.from({ length: 0x20 }, (_, n): [string, string] => [String.fromCharCode(n), NAMED[n] ?? `\\x${hex(n, 2)}`]),
  ['\x7f', '\\x7f'] as [string, string],
  ...NON_PRINTABLE.flatMap(([from, to]) =>
    Array.from({ length: to - from + 1 }, (_, i): [string, string] => [String.fromCharCode(from + i), `\\u${hex(from + i, 4)}`])),
]);

/** `\` and `"`, which %q escapes with a backslash */
export const GO_QUOTE_BACKSLASHED: readonly [string, string][] = [['\\', '\\\\'], ['"', '\\"']];
const ALL_ESCAPES = new Map([...GO_QUOTE_BACKSLASHED, ...GO_QUOTE_ESCAPES]);

/** Go's %q of a string, as upstream formats annotation values (`pss-compile check` runs it; targets lower the tables) */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += ALL_ESCAPES.get(ch) ?? ch;
  return `${out}"`;
}
