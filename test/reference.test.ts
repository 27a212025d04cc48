// The generated Rego, in real OPA WASM, against the upstream evaluator on every
// level × version (v1.0 … newest, latest, a future version): verdicts and
// messages must be identical. Pods: each distinct pod of the upstream corpus,
// and our own fixtures for what the corpus lacks.
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { compare, type Outcome } from './harness/compare.js';
import { OWN_FIXTURES, distinctCorpusPods } from './harness/fixtures.js';
import { loadPods } from './harness/pods.js';
import { RegoWasmEngine } from './harness/regoWasm.js';
import { grid } from './harness/targets.js';

describe.each([
  ['distinct upstream corpus pods', distinctCorpusPods],
  ['own fixtures (test/fixtures/pods)', () => loadPods([OWN_FIXTURES], ROOT)],
])('rego-wasm agrees with upstream: %s', async (name, load) => {
  const pods = load();
  const targets = grid(['privileged', 'baseline', 'restricted']);
  const outcomes: Outcome[] = [];
  const result = await compare(pods.map((c) => ({ case: c, targets })), [new RegoWasmEngine()], (_, o) => outcomes.push(o));
  const report = result.engines[0]!;

  it('decodes every pod in the oracle', () => {
    expect(result.oracleErrors).toEqual([]);
  });

  it('matches every verdict and message', () => {
    console.log(`${name}: ${pods.length} pods × ${targets.length} level/versions = ${report.evaluations} evaluations, `
      + `${report.verdictDisagreements} verdict and ${report.messageDisagreements} message disagreements`);
    expect(report.evaluations).toBe(pods.length * targets.length);
    expect(report.diffs.slice(0, 5)).toEqual([]);
  });

  it('has pods upstream admits and pods it denies at every level and version that has checks', () => {
    // a set where a level never fails, or never passes, would prove little
    const seen = new Map<string, Set<boolean>>();
    for (const o of outcomes) {
      if (o.target.level === 'privileged') continue;
      const key = `${o.target.level}:${o.target.version}`;
      seen.set(key, (seen.get(key) ?? new Set()).add(o.oracle.allowed));
    }
    const oneSided = [...seen].filter(([, outcomesSeen]) => outcomesSeen.size < 2).map(([key]) => key);
    expect(seen.size).toBe(targets.length * 2 / 3);
    expect(oneSided).toEqual([]);
  });
});
