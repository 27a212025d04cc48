// Differential fuzzing: random pods through the oracle and every engine; each
// disagreement is shrunk to a minimal pod and can be saved as a fixture.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compare, type Comparison, type Diff } from '../compare.js';
import type { Engine, LevelVersion } from '../engine.js';
import { applyApiDefaults, type PodCase } from '../pods.js';
import { randomPods } from './pods.js';
import { shrink } from './shrink.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Finding {
  engine: string;
  kind: Diff['kind'];
  level: string;
  version: string;
  /** the generated pod's id, as in the report */
  pod: string;
  /** the shrunk pod, still disagreeing at level:version */
  minimal: Record<string, unknown>;
  /** what upstream and the engine say about the minimal pod */
  expected: Diff['expected'];
  actual: Diff['actual'];
  /** where it was written, if a directory was given */
  file?: string;
}

export interface FuzzResult {
  seed: number;
  comparison: Comparison;
  findings: Finding[];
}

/** The generated pods of a seed, as the API server would store them. */
export function fuzzCases(seed: number, n: number): PodCase[] {
  return randomPods(seed, n).map((pod, i) => ({ id: `fuzz:${seed}:${i}`, pod: applyApiDefaults(pod) }));
}

/** The disagreements (as counted against the engine) of pods at one target. */
async function disagreements(engine: Engine, pods: readonly Json[], target: LevelVersion): Promise<Map<string, Diff>> {
  const cases = pods.map((pod, i) => ({ id: String(i), pod: applyApiDefaults(pod as Record<string, unknown>) }));
  const result = await compare(cases.map((c) => ({ case: c, targets: [target] })), [engine]);
  return new Map(result.engines[0]!.diffs.map((d) => [d.pod, d]));
}

/** Shrinks each of an engine's first `perEngine` disagreeing pods, at its first disagreeing target, while any disagreement stays. */
async function findings(cases: readonly PodCase[], comparison: Comparison, engines: readonly Engine[], perEngine: number): Promise<Finding[]> {
  const byId = new Map(cases.map((c) => [c.id, c.pod]));
  const out: Finding[] = [];
  for (const report of comparison.engines) {
    const engine = engines.find((e) => e.id === report.engine)!;
    const seen = new Set<string>();
    for (const diff of report.diffs) {
      if (seen.has(diff.pod) || seen.size >= perEngine) continue;
      seen.add(diff.pod);
      const target = { level: diff.level as LevelVersion['level'], version: diff.version };
      const minimal = await shrink(byId.get(diff.pod) as Json, async (candidates) => {
        const found = await disagreements(engine, candidates, target);
        return candidates.map((_, i) => found.has(String(i)));
      });
      // the minimal pod may disagree in another way (a reason difference can shrink to a verdict one)
      const last = (await disagreements(engine, [minimal], target)).get('0') ?? diff;
      out.push({
        engine: engine.id, kind: last.kind, level: diff.level, version: diff.version, pod: diff.pod,
        minimal: minimal as Record<string, unknown>, expected: last.expected, actual: last.actual,
      });
    }
  }
  return out;
}

/** Writes each finding as a one-pod YAML file a fixture directory can take as is. */
function save(found: Finding[], dir: string, seed: number): void {
  mkdirSync(dir, { recursive: true });
  found.forEach((f, i) => {
    const file = join(dir, `fuzz-${seed}-${f.engine}-${i}.yaml`);
    const header = [
      `# found by: npm run conformance -- --fuzz … --seed ${seed} (pod ${f.pod}), shrunk`,
      `# ${f.engine} ${f.kind} disagreement at ${f.level}:${f.version}`,
      `# upstream: ${f.expected.allowed ? 'allowed' : `denied: ${f.expected.message}`}`.replace(/\n/g, '\\n'),
      `# ${f.engine}: ${f.actual.allowed ? 'allowed' : `denied: ${f.actual.message}`}`.replace(/\n/g, '\\n'),
    ];
    const pod = { ...f.minimal, metadata: { ...(f.minimal.metadata as object), name: `fuzz-${seed}-${i}` } };
    writeFileSync(file, `${header.join('\n')}\n${stringify(pod)}`);
    f.file = file;
  });
}

export interface FuzzOptions {
  seed: number;
  pods: number;
  targets: LevelVersion[];
  engines: Engine[];
  /** write each shrunk disagreement here */
  saveDir?: string;
  /** disagreeing pods shrunk per engine (shrinking runs the engine once per round) */
  shrinkPerEngine?: number;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzResult> {
  const cases = fuzzCases(o.seed, o.pods);
  const comparison = await compare(cases.map((c) => ({ case: c, targets: o.targets })), o.engines);
  const found = await findings(cases, comparison, o.engines, o.shrinkPerEngine ?? 3);
  if (o.saveDir && found.length > 0) save(found, o.saveDir, o.seed);
  return { seed: o.seed, comparison, findings: found };
}
