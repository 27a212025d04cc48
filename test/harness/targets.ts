// The level × version grid the reference comparisons cover.
import { ALL_MINORS, BOUNDARY_MINORS, NEWEST_MINOR } from '../../src/model/registry.js';
import { versionLabel } from '../../src/model/version.js';
import type { LevelVersion } from './engine.js';

/** v1.0 … newest, latest, and one future version that must clamp */
export const ALL_VERSIONS: readonly string[] = [...ALL_MINORS.map(versionLabel), 'latest', versionLabel(NEWEST_MINOR + 3)];

/** every version where some check changes, and latest */
export const BOUNDARY_VERSIONS: readonly string[] = [...BOUNDARY_MINORS.map(versionLabel), 'latest'];

export function grid(levels: readonly LevelVersion['level'][], versions: readonly string[] = ALL_VERSIONS): LevelVersion[] {
  return levels.flatMap((level) => versions.map((version) => ({ level, version })));
}
