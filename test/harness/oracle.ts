// The reference: upstream's evaluator, run as a child process on a batch of pods.
import { execFileSync } from 'node:child_process';
import { ensureEngines } from './engines.js';

export interface Verdict {
  level: string;
  version: string;
  allowed: boolean;
  reasons: string[];
  details: string[];
  /** upstream's aggregate "reason (detail), reason (detail)" text */
  message: string;
}

export interface OracleResult {
  error?: string;
  verdicts?: Verdict[];
}

/** Each pod at its own list of [level, version] targets. */
export function runOracle(pods: readonly unknown[], targets: readonly (readonly [string, string])[][]): OracleResult[] {
  const { oracle } = ensureEngines();
  const out = execFileSync(oracle, [], {
    input: JSON.stringify({ pods, levels: [], versions: [], targets }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return (JSON.parse(out) as { results: OracleResult[] }).results;
}
