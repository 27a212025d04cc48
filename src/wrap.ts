// The width every generated file is laid out to (CEL, Rego, YAML prose), and
// the word wrapping prose and comments share.

/** generated lines aim at this width (Regal's default line-length); with YAML indentation they stay within 160 */
export const LINE_WIDTH = 120;

/** `text` wrapped at spaces into lines of at most `width` characters (a longer word keeps its own line) */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}
