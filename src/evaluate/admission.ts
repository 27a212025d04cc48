// Evaluates one admission request against a bundle's admission plan, as the
// generated policies do: each unit's gate, its checks (at its level, or at the
// level and version its namespace's labels select) and warn's silencing by
// enforce. The units, gates and label selections are the model's, the same
// data every target lowers.
import { violationPrefix, type Mode } from '../model/admission.js';
import { NAMESPACE_LOOKUP_FAILED } from '../model/namespaceLabels.js';
import { POD, WORKLOAD_TEMPLATES } from '../model/pod.js';
import { LEVELS, type Level } from '../model/types.js';
import type { AdmissionGate } from '../rules/admission.js';
import type { Rule } from '../rules/ir.js';
import {
  EVALUATED_LEVELS, NAMESPACE_NOT_FOUND, NOT_CARRIED_REASON, VERSION_NOT_CARRIED, epochOf,
  type EvaluatedLevel, type LabelledPolicy, type ModeSelection,
} from '../rules/labels.js';
import type { PlanUnit, Subject } from '../rules/plan.js';
import { clampMinor, isVersion, parseVersion } from '../model/version.js';
import { at, evaluateRules, failureText, podView, type PodView } from './rules.js';

type Obj = Record<string, unknown>;

/** The fields of an admission.k8s.io/v1 AdmissionRequest that PSA reads. */
export interface AdmissionRequest {
  operation?: string;
  subResource?: string;
  namespace?: string;
  name?: string;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  userInfo?: { username?: string };
  object?: unknown;
  oldObject?: unknown;
}

export interface Failure {
  check: string;
  /** PSA's text before the reasons (`violates PodSecurity "restricted:latest": `), or '' for a message of its own */
  prefix: string;
  /** upstream's `reason (detail)` */
  text: string;
}

export interface ModeResult {
  /** `restricted:v1.30`: the level and version this mode evaluated at */
  policy: string;
  failures: Failure[];
  /** PSA's message: its prefix and every failure's text */
  message: string;
}

export interface RequestOutcome {
  /** false when enforce rejects the request */
  allowed: boolean;
  /** the modes that reported failures */
  modes: Partial<Record<Mode, ModeResult>>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Which units can report on a request: Pod requests, or the workload resources PSA reads templates of. */
function subjectOf(r: AdmissionRequest): { subject: Subject; template?: readonly string[] } | undefined {
  const group = r.resource?.group ?? '';
  const resource = r.resource?.resource ?? '';
  if (group === POD.group && resource === POD.resource) return { subject: 'pod' };
  const w = WORKLOAD_TEMPLATES.find((t) => t.group === group && t.resource === resource);
  return w ? { subject: 'workload', template: w.template } : undefined;
}

/** isSignificantPodUpdate, from the model's description of it */
function significantUpdate(gate: AdmissionGate, spec: unknown, oldSpec: unknown): boolean {
  const s = gate.significantUpdate!;
  const field = (c: unknown, p: readonly string[]): unknown => at(c, p) ?? '';
  const items = (o: unknown, name: string): unknown[] => {
    const v = at(o, [name]);
    return Array.isArray(v) ? v : [];
  };
  for (const name of s.byIndex) {
    const now = items(spec, name).map((c) => field(c, s.field));
    const before = items(oldSpec, name).map((c) => field(c, s.field));
    if (now.length !== before.length || now.some((v, i) => v !== before[i])) return true;
  }
  for (const name of s.byName) {
    for (const c of items(spec, name)) {
      const old = items(oldSpec, name).find((o) => field(o, s.key) === field(c, s.key));
      if (!old || field(old, s.field) !== field(c, s.field)) return true;
    }
  }
  return false;
}

/** Whether PSA lets the request through this unit's gate without evaluating it. */
function skipped(gate: AdmissionGate, r: AdmissionRequest, spec: unknown): boolean {
  const operation = r.operation ?? '';
  const subResource = r.subResource ?? '';
  if (!gate.operations.includes(operation)) return true;
  if (gate.skipSubresources === 'any' ? subResource !== '' : gate.skipSubresources.includes(subResource)) return true;
  if (gate.significantUpdate && operation === 'UPDATE' && !significantUpdate(gate, spec, at(r.oldObject, ['spec']) ?? {})) return true;
  if (gate.exemptUsernames.includes(str(r.userInfo?.username))) return true;
  return gate.exemptRuntimeClasses.includes(str(at(spec, gate.runtimeClassPath)));
}

// ---- namespace labels

const has = (labels: Obj, key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);

interface Selected { level: Level; version: string }

function select(s: ModeSelection, p: LabelledPolicy, labels: Obj): Selected {
  const follows = s.follows && !has(labels, s.levelLabel) && s.follows.levels.includes(labels[s.follows.enforce.levelLabel] as Level);
  const enforce = follows ? select(s.follows!.enforce, p, labels) : undefined;
  const levelLabel = labels[s.levelLabel];
  const level = enforce ? enforce.level
    : !has(labels, s.levelLabel) ? s.defaultLevel
      : LEVELS.includes(levelLabel as Level) ? levelLabel as Level : s.invalidLevel;
  const versionLabel = labels[s.versionLabel];
  const version = enforce && !has(labels, s.versionLabel) ? enforce.version
    : !has(labels, s.versionLabel) ? s.defaultVersion
      : isVersion(versionLabel) ? versionLabel : p.invalidVersion;
  return { level, version };
}

/** the epoch whose rules a (valid) version selects: latest, and versions past the newest rules, select the newest */
const epochOfVersion = (p: LabelledPolicy, version: string): number => epochOf(clampMinor(parseVersion(version), p.newestMinor));

/** the rules in force at a selected level and version, and whether the bundle carries that version */
function inForce(p: LabelledPolicy, s: Selected): { rules: Rule[]; carried: boolean } {
  if (!EVALUATED_LEVELS.includes(s.level as EvaluatedLevel)) return { rules: [], carried: true };
  const epoch = epochOfVersion(p, s.version);
  const level = s.level as EvaluatedLevel;
  const rules = p.rules.flatMap((r) => r.revisions.filter((rev) => rev.inForce[level].includes(epoch)).map((rev) => rev.rule));
  return { rules, carried: p.carried.includes(epoch) };
}

// ---- units

/** A unit's failures on a request it evaluates, with the policy it evaluated at; undefined when silenced. */
function evaluateUnit(u: PlanUnit, r: AdmissionRequest, pod: PodView, namespace: Obj | undefined): ModeResult | undefined {
  const prefixed = (prefix: string, rules: readonly Rule[]): Failure[] =>
    evaluateRules(rules, pod).map((f) => ({ check: f.check, prefix, text: failureText(f) }));
  if (!u.labels) {
    if (u.unlessDeniedBy && evaluateRules(u.unlessDeniedBy.rules, pod, false).length > 0) return undefined;
    return modeResult(u.levelVersion, prefixed(u.messagePrefix, u.profile.rules));
  }
  const p = u.labels;
  const labelsOf = at(namespace, ['metadata', 'labels']);
  const labels = (typeof labelsOf === 'object' && labelsOf !== null && !Array.isArray(labelsOf) ? labelsOf : {}) as Obj;
  if (p.silencedBy) {
    const enforce = inForce(p, select(p.silencedBy, p, labels));
    if (!namespace || !enforce.carried || evaluateRules(enforce.rules, pod, false).length > 0) return undefined;
  }
  const selected = select(p.selection, p, labels);
  const policy = `${selected.level}:${selected.version}`;
  const prefix = violationPrefix(u.mode, policy);
  const own = inForce(p, selected);
  const failures: Failure[] = [];
  if (u.mode === 'enforce' && u.subject === 'pod' && !namespace) {
    failures.push({ check: NAMESPACE_NOT_FOUND, prefix: '', text: `${NAMESPACE_LOOKUP_FAILED[0]}${r.namespace ?? ''}${NAMESPACE_LOOKUP_FAILED[1]}` });
  }
  failures.push(...prefixed(prefix, own.rules));
  if (!own.carried) failures.push({ check: VERSION_NOT_CARRIED, prefix, text: `${NOT_CARRIED_REASON} (${selected.version})` });
  return modeResult(policy, failures);
}

function modeResult(policy: string, failures: Failure[]): ModeResult | undefined {
  if (failures.length === 0) return undefined;
  // PSA joins the reasons after one prefix; a message of its own stands apart
  const own = failures.filter((f) => f.prefix === '').map((f) => f.text);
  const reasons = failures.filter((f) => f.prefix !== '');
  const joined = reasons.length > 0 ? [`${reasons[0]!.prefix}${reasons.map((f) => f.text).join(', ')}`] : [];
  return { policy, failures, message: [...own, ...joined].join('; ') };
}

export interface Bundle {
  units: readonly PlanUnit[];
  exemptNamespaces: readonly string[];
}

/**
 * The request's outcome under the bundle. `namespaceOf` gives the request's
 * Namespace object in namespace-label mode (undefined: it cannot be read).
 */
export function evaluateRequest(b: Bundle, r: AdmissionRequest, namespaceOf: (name: string) => Obj | undefined): RequestOutcome {
  const modes: RequestOutcome['modes'] = {};
  const target = subjectOf(r);
  if (!target || b.exemptNamespaces.includes(r.namespace ?? '')) return { allowed: true, modes };
  const object = target.template ? at(r.object, target.template) ?? {} : r.object ?? {};
  const pod = podView(object);
  for (const u of b.units) {
    if (u.subject !== target.subject || skipped(u.gate, r, pod.spec)) continue;
    const result = evaluateUnit(u, r, pod, u.labels ? namespaceOf(r.namespace ?? '') : undefined);
    if (result) modes[u.mode] = result;
  }
  return { allowed: !modes.enforce, modes };
}
