// The upstream fixture corpus, every fixture at its own level and version,
// through the generated Rego in real OPA WASM, checked against upstream's
// expectations and against the upstream evaluator itself.
import { describe, expect, it } from 'vitest';
import { overridingCheck } from '../src/model/registry.js';
import { CHECKS } from '../src/model/checks/index.js';
import { listCorpus } from './harness/corpus.js';
import { compare, type Outcome } from './harness/compare.js';
import { ensureEngines } from './harness/engines.js';
import { loadPods } from './harness/pods.js';
import { RegoWasmEngine } from './harness/regoWasm.js';

const byLowerId = new Map(CHECKS.map((c) => [c.id.toLowerCase(), c.id]));

describe('upstream fixture corpus through rego-wasm', async () => {
  const engines = ensureEngines();
  const fixtures = listCorpus(engines.corpusDir);
  const items = fixtures.map((f) => ({
    case: { ...loadPods([f.path])[0]!, id: `${f.level}/${f.version}/${f.expect}/${f.check}` },
    targets: [{ level: f.level, version: f.version }],
  }));
  const outcomes: Outcome[] = [];
  const result = await compare(items, [new RegoWasmEngine()], (_, o) => outcomes.push(o));
  const report = result.engines[0]!;

  it('covers both levels at every version of the pinned corpus', () => {
    const versions = new Set(fixtures.map((f) => f.version));
    console.log(`corpus k8s.io/pod-security-admission ${engines.psaVersion}: ${fixtures.length} fixtures, `
      + `${versions.size} versions × 2 levels, ${report.evaluations} evaluated, `
      + `${report.verdictDisagreements + report.messageDisagreements} failures`);
    expect(versions.size).toBe(38);
    expect(new Set(fixtures.map((f) => f.level))).toEqual(new Set(['baseline', 'restricted']));
    expect(result.oracleErrors).toEqual([]);
    expect(report.evaluations).toBe(fixtures.length);
  });

  it('admits every pass fixture and denies every fail fixture, naming its check', () => {
    const wrong: string[] = [];
    outcomes.forEach((o, i) => {
      const f = fixtures[i]!;
      if (f.expect === 'pass') {
        if (!o.decision.allowed) wrong.push(`${o.pod.id}: denied: ${o.decision.message}`);
        return;
      }
      const check = byLowerId.get(f.check);
      if (!check) {
        wrong.push(`${o.pod.id}: no check named ${f.check}`);
        return;
      }
      // fixtures of an overridden baseline check fail through the restricted check replacing it
      const minor = Number(f.version.slice(3));
      const expected = f.level === 'restricted' ? overridingCheck(check, minor) ?? check : check;
      if (!o.decision.checks.includes(expected)) wrong.push(`${o.pod.id}: expected ${expected}, got [${o.decision.checks}]`);
    });
    expect(wrong).toEqual([]);
  });

  it('agrees with the upstream evaluator on every verdict and message', () => {
    expect(report.diffs.slice(0, 5)).toEqual([]);
    expect(report.agreements).toBe(fixtures.length);
  });
});
