// "Did you mean": the allowed word nearest to what was typed, if it is near enough.

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export function nearest(typed: string, allowed: readonly string[]): string | undefined {
  const scored = allowed.map((word) => ({ word, d: distance(typed.toLowerCase(), word.toLowerCase()) }));
  const best = scored.sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(typed.length / 3)) ? best.word : undefined;
}

/** Control characters from user input, escaped so an echoed value stays on one line and cannot drive the terminal. */
export const escapeControl = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
