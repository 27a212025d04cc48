// The upstream fixture corpus, every fixture at its own level and version,
// through each engine, checked against upstream's expectations (pass fixtures
// admitted, fail fixtures denied by their check) and against the upstream
// evaluator itself.
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../src/model/checks/index.js';
import { overridingCheck } from '../src/model/registry.js';
import { compare, type Outcome } from './harness/compare.js';
import { expectedCheck, listCorpus } from './harness/corpus.js';
import { ensureEngines } from './harness/engines.js';
import { loadPods } from './harness/pods.js';
import { TESTED_ENGINES } from './harness/registry.js';

const ids = CHECKS.map((c) => c.id);

describe.each(TESTED_ENGINES)('upstream fixture corpus through %s', async (id, make) => {
  const engines = ensureEngines();
  const fixtures = listCorpus(engines.corpusDir);
  const items = fixtures.map((f) => ({
    case: { ...loadPods([f.path])[0]!, id: `${f.level}/${f.version}/${f.expect}/${f.check}` },
    targets: [{ level: f.level, version: f.version }],
  }));
  const outcomes: Outcome[] = [];
  const engine = make();
  const result = await compare(items, [engine], (_, o) => outcomes.push(o));
  const report = result.engines[0]!;

  it('covers both levels at every version of the pinned corpus', () => {
    console.log(`${id}: corpus k8s.io/pod-security-admission ${engines.psaVersion}: ${fixtures.length} fixtures, `
      + `${new Set(fixtures.map((f) => f.version)).size} versions × 2 levels, ${report.evaluations} evaluated, `
      + `${report.verdictDisagreements} verdict, ${report.reasonDisagreements} reason and ${report.messageDisagreements} message differences, `
      + `${report.engineErrors} errors`);
    expect(new Set(fixtures.map((f) => f.version)).size).toBe(38);
    expect(result.oracleErrors).toEqual([]);
    expect(report.evaluations).toBe(fixtures.length);
  });

  // An engine that stops at the first failing check names upstream's first one (asserted through the
  // reasons below); on multi-violation fixtures that need not be the fixture's own check.
  it(`admits every pass fixture and denies every fail fixture${engine.firstFailureOnly ? '' : ', naming its check'}`, () => {
    const wrong = outcomes.flatMap((o, i) => {
      const f = fixtures[i]!;
      if (f.expect === 'pass') return o.decision.allowed ? [] : [`${o.pod.id}: denied: ${o.decision.message}`];
      if (o.decision.allowed) return [`${o.pod.id}: admitted`];
      const expected = expectedCheck(f, ids, overridingCheck);
      if (engine.firstFailureOnly) return [];
      return expected && o.decision.checks.includes(expected) ? [] : [`${o.pod.id}: expected ${expected}, got [${o.decision.checks}]`];
    });
    expect(wrong).toEqual([]);
  });

  it(`agrees with the upstream evaluator on every verdict and reason${engine.exactMessages ? ' and message' : ''}, without errors`, () => {
    expect(report.diffs.slice(0, 5)).toEqual([]);
    expect(report.reasonDisagreements).toBe(0);
    expect(report.engineErrors).toBe(0);
  });
});
