// What every engine under test answers for one pod at one level and version.
import { CHECK_ORDER } from '../../src/model/registry.js';
import type { Msg } from '../../src/rules/ir.js';
import { violationPrefix } from '../../src/model/admission.js';
import { resolveOptions, type RawOptions } from '../../src/options.js';
import { admissionPlan, type PlanUnit } from '../../src/rules/plan.js';

export interface LevelVersion {
  level: 'privileged' | 'baseline' | 'restricted';
  version: string;
}

export interface Decision {
  allowed: boolean;
  /** failing check IDs, in upstream order, when the engine reports them */
  checks: string[];
  /** the engine's messages joined in upstream order, comparable to upstream's aggregate */
  message: string;
  /** one message per failing check, in upstream order */
  parts: string[];
  /** the engine reported an evaluation error (never acceptable, even when the verdict matches) */
  errored?: boolean;
}

export interface Engine {
  id: string;
  /** whether messages must equal upstream's, or only verdicts and reasons */
  exactMessages: boolean;
  /** the engine stops at the first failing check, so it reports upstream's first reason only */
  firstFailureOnly?: boolean;
  prepare(targets: readonly LevelVersion[]): Promise<void>;
  /** decisions for many pods at once, in request order (engines behind a process batch them) */
  evaluate(requests: readonly EngineRequest[]): Promise<Decision[]>;
}

export interface EngineRequest {
  pod: unknown;
  target: LevelVersion;
}

const rank = new Map(CHECK_ORDER.map((c, i) => [c.id, i]));

/** Orders per-check violations as upstream aggregates them. */
export function inUpstreamOrder<T extends { check: string }>(violations: readonly T[]): T[] {
  return [...violations].sort((a, b) => (rank.get(a.check) ?? 99) - (rank.get(b.check) ?? 99));
}

/** Each distinct pod once, and for each request the index of its pod: engines evaluate a pod once per run. */
export function distinctPods(requests: readonly EngineRequest[]): { pods: unknown[]; podOf: number[] } {
  const index = new Map<string, number>();
  const pods: unknown[] = [];
  const podOf = requests.map((r) => {
    const text = JSON.stringify(r.pod);
    let i = index.get(text);
    if (i === undefined) {
      i = pods.length;
      index.set(text, i);
      pods.push(r.pod);
    }
    return i;
  });
  return { pods, podOf };
}

/** Every text a rule's reason can take (a plural gives two). */
export function reasonTexts(m: Msg): string[] {
  if (typeof m === 'string') return [m];
  if (Array.isArray(m)) {
    return (m as readonly Msg[]).reduce<string[]>((acc, part) => acc.flatMap((a) => reasonTexts(part).map((b) => a + b)), ['']);
  }
  if ('plural' in m) return [...m.plural];
  return [];
}

/** The pod policy unit a shorthand bundle (enforce at t) compiles to. */
export function enforceUnit(t: LevelVersion, extra: RawOptions = {}): PlanUnit {
  const units = admissionPlan(resolveOptions({ target: 'gatekeeper', ...extra, level: t.level, policyVersion: t.version }));
  if (units.length !== 1) throw new Error(`want one unit at ${t.level}:${t.version}, got ${units.length}`);
  return units[0]!;
}

/**
 * A check's message without PSA's enforce prefix for t, which every message
 * of a shorthand bundle carries; a message without it is kept whole, so it differs.
 */
export function withoutPrefix(message: string, t: LevelVersion): string {
  const prefix = violationPrefix('enforce', `${t.level}:${t.version}`);
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
