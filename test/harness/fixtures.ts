// The pod sets every engine is run against: our own fixtures, and each
// distinct pod of the upstream corpus.
import { join } from 'node:path';
import { ROOT } from '../../src/render.js';
import { listCorpus } from './corpus.js';
import { ensureEngines } from './engines.js';
import { loadPods, type PodCase } from './pods.js';

export const OWN_FIXTURES = join(ROOT, 'test/fixtures/pods');

/** One case per distinct corpus pod (names aside), labelled by its first fixture. */
export function distinctCorpusPods(): PodCase[] {
  const seen = new Map<string, PodCase>();
  for (const f of listCorpus(ensureEngines().corpusDir)) {
    const pod = loadPods([f.path])[0]!;
    const { metadata, ...rest } = pod.pod as { metadata?: Record<string, unknown> };
    const key = JSON.stringify({ ...rest, annotations: metadata?.annotations });
    if (!seen.has(key)) seen.set(key, { ...pod, id: `${f.level}/${f.version}/${f.expect}/${f.check}` });
  }
  return [...seen.values()];
}
