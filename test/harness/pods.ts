// Loading pod YAML for conformance runs, with the API server's defaulting that
// the checks depend on applied, so every engine and the oracle see the same pod.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyApiDefaults } from '../../src/evaluate/defaults.js';

export { applyApiDefaults };

export interface PodCase {
  /** file[#index] where the pod came from */
  id: string;
  pod: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function yamlFiles(path: string): string[] {
  if (statSync(path).isDirectory()) {
    return readdirSync(path).sort().flatMap((name) => yamlFiles(join(path, name)));
  }
  return /\.ya?ml$/.test(path) ? [path] : [];
}

export function loadPods(paths: readonly string[], base = process.cwd()): PodCase[] {
  const cases: PodCase[] = [];
  for (const file of paths.flatMap(yamlFiles)) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    const pods = docs.map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    }).filter((d): d is Record<string, unknown> => isObject(d) && d.kind === 'Pod');
    pods.forEach((pod, i) => {
      const id = relative(base, file) + (pods.length > 1 ? `#${i}` : '');
      cases.push({ id, pod: applyApiDefaults(pod) });
    });
  }
  return cases;
}
