import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenCases, goldenDrift, renderGolden } from './harness/golden.js';

describe('golden files', () => {
  it.each([...goldenCases()])('%s equals the compiler output byte for byte', (file, options) => {
    expect(renderGolden(options)).toBe(readFileSync(join(GOLDEN_DIR, file), 'utf8'));
  });

  it('has no missing or stale files', () => {
    expect(goldenDrift()).toEqual([]);
  });
});
