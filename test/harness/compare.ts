// Runs pods through the oracle and each engine and records every disagreement.
import type { PodCase } from './pods.js';
import { runOracle, type Verdict } from './oracle.js';
import type { Decision, Engine, LevelVersion } from './engine.js';

export interface Item {
  case: PodCase;
  targets: LevelVersion[];
}

export interface Diff {
  pod: string;
  level: string;
  version: string;
  kind: 'verdict' | 'message' | 'reason';
  expected: { allowed: boolean; message: string };
  actual: { allowed: boolean; message: string };
}

export interface EngineReport {
  engine: string;
  evaluations: number;
  agreements: number;
  verdictDisagreements: number;
  /** messages that differ from upstream's; a failure only for engines with exactMessages */
  messageDisagreements: number;
  /** oracle rejects, engine admits: a security hole */
  failOpen: number;
  /** oracle admits, engine rejects */
  falseAlarms: number;
  /** distinct pods with at least one fail-open evaluation */
  failOpenPods: number;
  /** distinct pods with at least one false alarm */
  falseAlarmPods: number;
  /** evaluations where the engine reported an error */
  engineErrors: number;
  /** evaluations whose per-check reasons differ from upstream's (messages aside) */
  reasonDisagreements: number;
  diffs: Diff[];
}

export interface Outcome {
  pod: PodCase;
  target: LevelVersion;
  oracle: Verdict;
  decision: Decision;
}

export interface Comparison {
  pods: number;
  evaluations: number;
  oracleErrors: { pod: string; error: string }[];
  engines: EngineReport[];
}

export async function compare(
  items: readonly Item[],
  engines: readonly Engine[],
  onOutcome?: (engine: string, o: Outcome) => void,
): Promise<Comparison> {
  const oracle = runOracle(items.map((i) => i.case.pod), items.map((i) => i.targets.map((t) => [t.level, t.version] as const)));
  const targets = [...new Map(items.flatMap((i) => i.targets).map((t) => [`${t.level}:${t.version}`, t])).values()];
  const oracleErrors = items.flatMap((item, i) => {
    const error = oracle[i]!.error;
    return error ? [{ pod: item.case.id, error }] : [];
  });
  const reports: EngineReport[] = [];
  for (const engine of engines) {
    await engine.prepare(targets);
    const report: EngineReport = {
      engine: engine.id, evaluations: 0, agreements: 0, verdictDisagreements: 0,
      messageDisagreements: 0, failOpen: 0, falseAlarms: 0, failOpenPods: 0, falseAlarmPods: 0,
      engineErrors: 0, reasonDisagreements: 0, diffs: [],
    };
    const failOpenPods = new Set<string>();
    const falseAlarmPods = new Set<string>();
    const requests = items.flatMap((item, i) =>
      oracle[i]!.verdicts ? item.targets.map((target, j) => ({ item, target, expected: oracle[i]!.verdicts![j]! })) : []);
    const decisions = await engine.evaluate(requests.map((r) => ({ pod: r.item.case.pod, target: r.target })));
    requests.forEach(({ item, target, expected }, n) => {
      const decision = decisions[n]!;
      onOutcome?.(engine.id, { pod: item.case, target, oracle: expected, decision });
      report.evaluations++;
      if (decision.errored) report.engineErrors++;
      // each part is "reason (detail)" or a bare reason; reasons never contain " ("
      const reasons = decision.parts.map((p) => p.split(' (')[0]).join('\n');
      const upstreamReasons = (engine.firstFailureOnly ? expected.reasons.slice(0, 1) : expected.reasons).join('\n');
      if (decision.allowed === expected.allowed && reasons !== upstreamReasons) report.reasonDisagreements++;
      const diff = (kind: Diff['kind']): Diff => ({
        pod: item.case.id, level: target.level, version: target.version, kind,
        expected: { allowed: expected.allowed, message: expected.message },
        actual: { allowed: decision.allowed, message: decision.message },
      });
      if (decision.allowed !== expected.allowed) {
        report.verdictDisagreements++;
        if (decision.allowed) {
          report.failOpen++;
          failOpenPods.add(item.case.id);
        } else {
          report.falseAlarms++;
          falseAlarmPods.add(item.case.id);
        }
        report.diffs.push(diff('verdict'));
      } else if (reasons !== upstreamReasons) {
        report.diffs.push(diff('reason'));
      } else if (decision.message !== expected.message) {
        // counted for every engine; only an engine promising upstream's messages fails on it
        report.messageDisagreements++;
        if (engine.exactMessages) report.diffs.push(diff('message'));
        else report.agreements++;
      } else {
        report.agreements++;
      }
    });
    report.failOpenPods = failOpenPods.size;
    report.falseAlarmPods = falseAlarmPods.size;
    reports.push(report);
  }
  return {
    pods: items.length,
    evaluations: reports.reduce((n, r) => n + r.evaluations, 0),
    oracleErrors,
    engines: reports,
  };
}
