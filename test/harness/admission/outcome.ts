// What the oracle and every engine answer for one admission request.
import type { AdmissionCase, CaseDir } from './cases.js';
import type { Mode } from './bundle.js';

export interface AdmissionOutcome {
  allowed: boolean;
  /** failing check IDs each mode reported, in upstream order; a mode that reported nothing is absent */
  modes: Partial<Record<Mode, string[]>>;
  /** a harness or engine error (never acceptable) */
  error?: string;
  /** the engine's tool cannot be given this request as it is (why); the case is not compared */
  notFed?: string;
  /** an engine that checks the oracle's outcome itself (gator verify's assertions) found this difference */
  mismatch?: string;
}

export interface AdmissionEngine {
  id: string;
  /** outcomes for every case of a directory, in order; `expected` is the oracle's, for engines that assert it themselves */
  evaluate(dir: CaseDir, expected: readonly AdmissionOutcome[]): Promise<AdmissionOutcome[]>;
}


export type { AdmissionCase, CaseDir };
