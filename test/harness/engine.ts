// What every engine under test answers for one pod at one level and version.
import { CHECK_ORDER } from '../../src/model/registry.js';

export interface LevelVersion {
  level: 'privileged' | 'baseline' | 'restricted';
  version: string;
}

export interface Decision {
  allowed: boolean;
  /** failing check IDs, in upstream order, when the engine reports them */
  checks: string[];
  /** the engine's messages joined in upstream order, comparable to upstream's aggregate */
  message: string;
}

export interface Engine {
  id: string;
  /** whether messages must equal upstream's, or only verdicts */
  exactMessages: boolean;
  prepare(targets: readonly LevelVersion[]): Promise<void>;
  evaluate(pod: unknown, target: LevelVersion): Decision;
}

const rank = new Map(CHECK_ORDER.map((c, i) => [c.id, i]));

/** Orders per-check violations as upstream aggregates them. */
export function inUpstreamOrder<T extends { check: string }>(violations: readonly T[]): T[] {
  return [...violations].sort((a, b) => (rank.get(a.check) ?? 99) - (rank.get(b.check) ?? 99));
}
