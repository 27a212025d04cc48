// Every bundle directory records the inputs it was made from and the files it
// holds: `--check DIR` regenerates from it, and only the files it lists are
// ever replaced or removed by a later run.
import { stringify } from 'yaml';
import { HEADER } from '../bundle.js';
import { API_VERSION } from '../config/schema.js';
import type { RawOptions } from '../options.js';

export const RECORD_FILE = 'pss-compile.bundle.yaml';

export function recordText(options: RawOptions, files: readonly string[]): string {
  const body = { apiVersion: API_VERSION, kind: 'Bundle', ...options, out: '.', files: [...files, RECORD_FILE].sort() };
  return HEADER
    + '# The inputs of this bundle and the files pss-compile wrote here.\n'
    + `# pss-compile --check <this directory> compares them; pss-compile --config ${RECORD_FILE} writes them again.\n`
    + stringify(body, { lineWidth: 0 });
}
