// The generated files stay readable: every line of every golden file fits in
// 160 characters, every CEL expression in 1,500, CEL sits in block scalars,
// and each CEL validation is introduced by its check's line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { layoutCel } from '../src/targets/cel/format.js';
import { GOLDEN_DIR, goldenCases } from './harness/golden.js';
import { READABILITY_GOALS, celExpressions, celLength, readability } from './harness/readability.js';

const files = [...goldenCases().keys()];
const read = (file: string) => readFileSync(join(GOLDEN_DIR, file), 'utf8');

describe('golden files a reviewer can read', () => {
  it(`keep every line within ${READABILITY_GOALS.longestLine} characters`, () => {
    const over = files.flatMap((f) => read(f).split('\n').map((l, n) => ({ f, n: n + 1, length: [...l].length }))
      .filter((l) => l.length > READABILITY_GOALS.longestLine));
    expect(over).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
  });

  it(`keep every CEL expression within ${READABILITY_GOALS.largestExpression} characters`, () => {
    const sizes = files.map((f) => ({ f, largest: readability(read(f)).largestExpression, count: celExpressions(read(f)).length }));
    expect(sizes.filter((s) => s.largest > READABILITY_GOALS.largestExpression)).toEqual([]);
    expect(sizes.reduce((n, s) => n + s.count, 0)).toBeGreaterThan(1000);
  });

  it('write CEL as block scalars, one comment line naming the check above each validation', () => {
    const text = read('vap/restricted-latest.yaml');
    expect(text).not.toMatch(/expression: "/);
    expect(text).toMatch(/\n {2}# privileged \(baseline\): Privileged Containers: privileged containers are forbidden\n {2}- expression: \|-\n/);
    const validations = parseAllDocuments(text)[0]!.toJS().spec.validations as unknown[];
    expect(text.match(/\n {2}# \w+ \((baseline|restricted)\): /g)).toHaveLength(validations.length);
  });

  it(`keep the restricted:latest VAP bundle within ${READABILITY_GOALS.restrictedVapBytes / 1024} KiB`, () => {
    const bytes = Buffer.byteLength(read('vap/restricted-latest.yaml'));
    expect(bytes).toBeGreaterThan(10 * 1024);
    expect(bytes).toBeLessThanOrEqual(READABILITY_GOALS.restrictedVapBytes);
  });
});

describe('CEL layout', () => {
  const expressions = files.filter((f) => f.startsWith('vap/')).flatMap((f) => celExpressions(read(f)));

  it('changes only the whitespace between tokens', () => {
    const compact = (e: string) => e.replace(/\s+/g, ' ');
    for (const e of expressions.slice(0, 400)) {
      const flat = e.replace(/\n */g, ' ').replace(/([([{]) /g, '$1').replace(/ ([)\]}])/g, '$1').replace(/ ,/g, ',');
      expect(compact(layoutCel(flat, 60)).replace(/([([{]) /g, '$1').replace(/ ([)\]}])/g, '$1')).toBe(compact(flat));
    }
    expect(expressions.length).toBeGreaterThan(50);
  });

  it('keeps an expression that fits on one line and breaks a long one at its loosest operator', () => {
    expect(layoutCel('a || b && c', 80)).toBe('a || b && c');
    expect(layoutCel('variables.aaaa || variables.bbbb && variables.cccc', 40)).toBe('variables.aaaa\n|| variables.bbbb && variables.cccc');
    expect(layoutCel('x ? "a, b" : variables.containers.map(c, c.securityContext.privileged)', 40))
      .toBe('x\n? "a, b"\n: variables.containers.map(c,\n    c.securityContext.privileged\n  )');
  });
});
