// --check: what a run would write, compared with what is on disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unifiedDiff } from './diff.js';
import { fsDo } from './errors.js';
import { recordedFiles, startsOurs } from './write.js';

export interface Drift {
  path: string;
  state: 'differs' | 'missing' | 'extra';
  /** unified diff, from what is on disk to what would be written: computed only for --diff */
  diff: () => string;
}

const read = (path: string): string | undefined =>
  (existsSync(path) && statSync(path).isFile() ? fsDo('read', path, () => readFileSync(path, 'utf8')) : undefined);

function compare(path: string, want: string): Drift | undefined {
  const have = read(path);
  if (have === want) return undefined;
  return { path, state: have === undefined ? 'missing' : 'differs', diff: () => unifiedDiff(have ?? '', want, have === undefined ? '/dev/null' : path, path) };
}

export function checkBundleDir(dir: string, files: ReadonlyMap<string, string>): Drift[] {
  const drift = [...files].flatMap(([rel, text]) => compare(join(dir, rel), text) ?? []);
  // what a write would remove: recorded, no longer generated, and still ours
  for (const rel of existsSync(dir) ? recordedFiles(dir) : []) {
    const path = join(dir, rel);
    const have = files.has(rel) ? undefined : read(path);
    if (have !== undefined && startsOurs(path)) drift.push({ path, state: 'extra', diff: () => unifiedDiff(have, '', path, '/dev/null') });
  }
  return drift;
}

export function checkStreamFile(path: string, text: string): Drift[] {
  const d = compare(path, text);
  return d ? [d] : [];
}
