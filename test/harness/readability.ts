// How readable a bundle is to a reviewer: its size, its longest line, and the
// size of its CEL expressions (every `expression` and `messageExpression`,
// wherever the target puts them). The goals are checked on the golden files
// by a test and reported per target and level by `npm run bench`.
import { parseAllDocuments } from 'yaml';
import { toStream } from '../../src/bundle.js';
import { compile } from '../../src/compile.js';
import { resolveOptions, type RawOptions } from '../../src/options.js';
import { CEL_BUDGET, policyCost } from './cost.js';

export const READABILITY_GOALS = {
  /** in every generated file */
  longestLine: 160,
  /** any single CEL expression (celLength) */
  largestExpression: 1500,
  /** the restricted:latest VAP bundle */
  restrictedVapBytes: 30 * 1024,
} as const;

/** an expression's characters with the layout's line breaks and indentation read as one space, as the engine reads them */
export const celLength = (expression: string): number => expression.replace(/\n */g, ' ').length;

export interface Readability {
  bytes: number;
  longestLine: number;
  expressions: number;
  largestExpression: number;
  medianExpression: number;
}

const CEL_KEYS = new Set(['expression', 'messageExpression']);

/** every CEL expression of a YAML stream */
export function celExpressions(stream: string): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (CEL_KEYS.has(k) && typeof v === 'string') found.push(v);
        else walk(v);
      }
    }
  };
  for (const doc of parseAllDocuments(stream)) walk(doc.toJS());
  return found;
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

export function readability(stream: string): Readability {
  const sizes = celExpressions(stream).map(celLength);
  return {
    bytes: Buffer.byteLength(stream),
    longestLine: Math.max(0, ...stream.split('\n').map((l) => [...l].length)),
    expressions: sizes.length,
    largestExpression: Math.max(0, ...sizes),
    medianExpression: median(sizes),
  };
}

export const READABILITY_TARGETS: readonly [string, RawOptions][] = [
  ['vap', { target: 'vap' }],
  ['kyverno validatingpolicy', { target: 'kyverno', kyvernoFlavor: 'validatingpolicy' }],
  ['kyverno clusterpolicy', { target: 'kyverno', kyvernoFlavor: 'clusterpolicy' }],
  ['gatekeeper', { target: 'gatekeeper' }],
];

export interface ReadabilityFigure extends Readability {
  target: string;
  level: string;
}

/** per target and level at latest */
export function readabilityFigures(): ReadabilityFigure[] {
  return READABILITY_TARGETS.flatMap(([target, base]) => (['baseline', 'restricted'] as const).map((level) => ({
    target, level, ...readability(toStream(compile(resolveOptions({ ...base, level })))),
  })));
}

export interface LevelCost { level: string; containers: number; compliant: number; violating: number; budgetShare: number }

/** The API server's runtime CEL cost of the VAP policy per level at latest (Kyverno and Gatekeeper CEL share its lowering). */
export function levelCelCost(kubeVersion = '1.30'): LevelCost[] {
  return (['baseline', 'restricted'] as const).flatMap((level) => {
    const docs = compile(resolveOptions({ target: 'vap', level, kubeVersion }));
    const policy = parseAllDocuments(docs.find((d) => d.file.startsWith('validatingadmissionpolicy-'))!.yaml)[0]!.toJS();
    return policyCost([policy], kubeVersion).map((f) => {
      if (!f.admitted[0] || !f.denied[1]) throw new Error(`cost run at ${level}: the compliant pod must pass and the violating one be denied`);
      return { level, containers: f.containers, compliant: f.compliant, violating: f.violating, budgetShare: Math.max(f.compliant, f.violating) / CEL_BUDGET };
    });
  });
}
