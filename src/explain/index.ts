// The explain/diff API the CLI calls.
export { diffVersions, explain } from './explain.js';
export { formatDiff, formatExplanation } from './format.js';
export { runDiff, runExplain } from './run.js';
export type { CheckChange, CheckExplanation, Constraint, Explanation, VersionDiff } from './types.js';
