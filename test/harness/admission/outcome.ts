// What the oracle and every engine answer for one admission request.
import type { AdmissionCase, CaseDir } from './cases.js';
import type { Mode } from './bundle.js';

export interface AdmissionOutcome {
  allowed: boolean;
  /** failing check IDs each mode reported, in upstream order; a mode that reported nothing is absent */
  modes: Partial<Record<Mode, string[]>>;
  /** a harness or engine error (never acceptable) */
  error?: string;
}

export interface AdmissionEngine {
  id: string;
  /** outcomes for every case of a directory, in order */
  evaluate(dir: CaseDir): Promise<AdmissionOutcome[]>;
}

export type { AdmissionCase, CaseDir };
