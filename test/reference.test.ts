// Each engine against the upstream evaluator on every level × version (v1.0 …
// newest, latest, a future version): verdicts and reasons must be identical,
// and whole messages for engines that promise upstream's messages. Pods: each
// distinct pod of the upstream corpus, and our own fixtures for what the
// corpus lacks.
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { compare, type Outcome } from './harness/compare.js';
import { OWN_FIXTURES, distinctCorpusPods } from './harness/fixtures.js';
import { loadPods } from './harness/pods.js';
import { TESTED_ENGINES } from './harness/registry.js';
import { grid } from './harness/targets.js';

const POD_SETS = [
  ['distinct upstream corpus pods', distinctCorpusPods, true],
  ['own fixtures (test/fixtures/pods)', () => loadPods([OWN_FIXTURES], ROOT), false],
] as const;

const CASES = TESTED_ENGINES.flatMap(([id, make, scope]) => POD_SETS
  .filter(([, , corpus]) => !corpus || scope.corpusPods)
  .map(([name, load]) => [id, name, make, load, scope.versions] as const));

describe.each(CASES)('%s agrees with upstream: %s', async (id, name, make, load, versions) => {
    const pods = load();
    // privileged compiles to an empty bundle (cli.test.ts): there is nothing for an engine to run
    const targets = grid(['baseline', 'restricted'], versions);
    const outcomes: Outcome[] = [];
    const engine = make();
    const result = await compare(pods.map((c) => ({ case: c, targets })), [engine], (_, o) => outcomes.push(o));
    const report = result.engines[0]!;

    it('decodes every pod in the oracle', () => {
      expect(result.oracleErrors).toEqual([]);
    });

    it(`matches every verdict and reason${engine.exactMessages ? ' and message' : ''}, without errors`, () => {
      console.log(`${id}, ${name}: ${pods.length} pods × ${targets.length} level/versions = ${report.evaluations} evaluations, `
        + `${report.verdictDisagreements} verdict, ${report.reasonDisagreements} reason and ${report.messageDisagreements} message differences, `
        + `${report.engineErrors} errors`);
      expect(report.evaluations).toBe(pods.length * targets.length);
      expect(report.diffs.slice(0, 5)).toEqual([]);
      expect(report.reasonDisagreements).toBe(0);
      expect(report.engineErrors).toBe(0);
    });

    it('has pods upstream admits and pods it denies at every level and version that has checks', () => {
      // a set where a level never fails, or never passes, would prove little
      const seen = new Map<string, Set<boolean>>();
      for (const o of outcomes) {
        const key = `${o.target.level}:${o.target.version}`;
        seen.set(key, (seen.get(key) ?? new Set()).add(o.oracle.allowed));
      }
      expect(seen.size).toBe(targets.length);
      expect([...seen].filter(([, both]) => both.size < 2).map(([key]) => key)).toEqual([]);
    });
  });
