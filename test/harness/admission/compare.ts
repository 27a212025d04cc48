// Compares each engine's outcome of every admission case with the oracle's:
// allowed or denied, and for each mode (enforce, warn, audit) the checks it
// reported. A bundle has one policy per subject and mode (bundle.ts), so
// every mode must say exactly what upstream's says.
import { MODES } from '../../../src/model/admission.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import { runAdmissionOracle, type OracleOutcome } from './oracle.js';

export interface AdmissionDiff {
  engine: string;
  case: string;
  what: string;
  expected: AdmissionOutcome;
  actual: AdmissionOutcome;
}

export interface AdmissionEngineReport {
  engine: string;
  cases: number;
  agreements: number;
  verdictDisagreements: number;
  modeDisagreements: number;
  errors: number;
  /** cases the engine's tool cannot be given as they are, with why; not compared */
  notFed: { case: string; why: string }[];
  diffs: AdmissionDiff[];
}

export interface AdmissionComparison {
  dirs: string[];
  cases: number;
  /** the oracle's outcomes, by case file */
  oracle: Record<string, OracleOutcome['raw']>;
  engines: AdmissionEngineReport[];
}

const same = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * What differs between the oracle's and an engine's outcome, or undefined.
 * `firstOnly`: the engine stops at a policy's first failing check (Kyverno's
 * ValidatingPolicy), so each mode must report upstream's first check alone.
 */
export function difference(expected: AdmissionOutcome, actual: AdmissionOutcome, firstOnly = false): string | undefined {
  if (actual.error) return `engine error: ${actual.error}`;
  if (actual.mismatch) return `differs: ${actual.mismatch}`;
  if (expected.allowed !== actual.allowed) return expected.allowed ? 'false alarm: upstream allows' : 'fail-open: upstream denies';
  for (const mode of MODES) {
    const want = expected.modes[mode];
    const got = actual.modes[mode];
    if (firstOnly ? (want?.[0] !== got?.[0] || (got?.length ?? 0) > 1) : !same(want, got)) {
      return `${mode} reports ${JSON.stringify(got ?? [])}, upstream ${JSON.stringify(want ?? [])}`;
    }
  }
  return undefined;
}

export async function compareAdmission(dirs: readonly CaseDir[], engines: readonly (AdmissionEngine & { firstFailureOnly?: boolean })[]): Promise<AdmissionComparison> {
  const expected = runAdmissionOracle(dirs);
  const oracle: AdmissionComparison['oracle'] = {};
  dirs.forEach((d, i) => d.cases.forEach((c, j) => {
    const o = expected[i]![j]!;
    oracle[c.id] = o.raw;
    if (o.error) throw new Error(`admission oracle on ${c.id}: ${o.error}`);
  }));
  const reports: AdmissionEngineReport[] = [];
  for (const engine of engines) {
    const report: AdmissionEngineReport = { engine: engine.id, cases: 0, agreements: 0, verdictDisagreements: 0, modeDisagreements: 0, errors: 0, notFed: [], diffs: [] };
    for (const [i, dir] of dirs.entries()) {
      const actual = await engine.evaluate(dir, expected[i]!);
      dir.cases.forEach((c, j) => {
        const want = expected[i]![j]!;
        report.cases++;
        if (actual[j]!.notFed) {
          report.notFed.push({ case: c.id, why: actual[j]!.notFed! });
          return;
        }
        const what = difference(want, actual[j]!, engine.firstFailureOnly);
        if (!what) {
          report.agreements++;
          return;
        }
        if (actual[j]!.error) report.errors++;
        else if (want.allowed !== actual[j]!.allowed) report.verdictDisagreements++;
        else report.modeDisagreements++;
        report.diffs.push({ engine: engine.id, case: c.id, what, expected: { allowed: want.allowed, modes: want.modes }, actual: actual[j]! });
      });
    }
    reports.push(report);
  }
  return { dirs: dirs.map((d) => d.dir), cases: dirs.reduce((n, d) => n + d.cases.length, 0), oracle, engines: reports };
}
