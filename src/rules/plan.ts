// The admission plan: which policies a PSA configuration needs, one per
// subject (pods, workload resources) and mode, built once from the model and
// the options. Every target emits one policy (and binding or constraint) per
// unit, named by the unit, so no target re-derives PSA's mode rules.
import { MODES, WORKLOAD_MODES, WARN_UNLESS_ENFORCE_DENIES, violationPrefix, type Mode } from '../model/admission.js';
import { profile, type Profile } from '../model/registry.js';
import type { Level } from '../model/types.js';
import { versionLabel, type PolicyVersion } from '../model/version.js';
import type { CompileOptions, ModeSetting } from '../options.js';
import { admissionGate, type AdmissionGate } from './admission.js';
import { NAMESPACE_NOT_FOUND, VERSION_NOT_CARRIED, labelledPolicy, type LabelledPolicy } from './labels.js';

export type Subject = AdmissionGate['subject'];

export interface PlanUnit {
  subject: Subject;
  mode: Mode;
  level: Level;
  version: PolicyVersion;
  profile: Profile;
  /** `restricted:v1.30`, as upstream prints a level and version */
  levelVersion: string;
  /** PSA's text before the reasons in this mode */
  messagePrefix: string;
  /** warn on pods: the enforce profile whose violations suppress the warning */
  unlessDeniedBy?: Profile & { levelVersion: string };
  gate: AdmissionGate;
  /**
   * Namespace-label mode: the level and version come from each request's
   * namespace; level, version and profile above are the defaults.
   */
  labels?: LabelledPolicy;
  /** what the unit evaluates at, for titles: `restricted:v1.30`, or the namespace's labels with their defaults */
  title: string;
  /** warn on pods: what silences it, for comments */
  unlessTitle?: string;
  /** the version whose rules apply, for annotations: `v1.30`, or `per namespace` */
  effectiveVersion: string;
  /** the check of each validation (CEL) or violation (Rego), in order */
  checks: readonly string[];
  /** DNS name of the unit's resources: <name>[-workloads]-<mode> */
  name: string;
  /** CamelCase of the name, for Gatekeeper's constraint kind */
  kind: string;
}

const sameSetting = (a: ModeSetting, b: ModeSetting): boolean => a.level === b.level && a.version.label === b.version.label;
export const levelVersionOf = (s: ModeSetting): string => `${s.level}:${s.version.label}`;
const camel = (name: string): string => name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');

/** The units, pods first, each subject in mode order; a mode at privileged needs none. */
export function admissionPlan(o: CompileOptions): PlanUnit[] {
  const exemptions = { namespaces: o.exemptNamespaces, usernames: o.exemptUsernames, runtimeClasses: o.exemptRuntimeClasses };
  const enforce = o.modes.enforce;
  const units: PlanUnit[] = [];
  for (const subject of ['pod', 'workload'] as const) {
    for (const mode of subject === 'pod' ? MODES : WORKLOAD_MODES) {
      const s = o.modes[mode];
      const name = `${o.name}${subject === 'workload' ? '-workloads' : ''}-${mode}`;
      const common = {
        subject, mode, level: s.level, version: s.version,
        profile: profile(s.level, s.version),
        levelVersion: levelVersionOf(s),
        messagePrefix: violationPrefix(mode, levelVersionOf(s)),
        gate: admissionGate(subject, exemptions),
        name,
        kind: camel(name),
      };
      if (o.namespaceLabels) {
        // any namespace may label any mode up from privileged, so every unit is needed
        const labels = labelledPolicy(mode, o.modes, o.versions, subject === 'pod' && mode === 'warn' && WARN_UNLESS_ENFORCE_DENIES);
        units.push({
          ...common, labels, checks: labelledChecks(labels, subject, mode),
          title: `the namespace's ${mode} label (default ${common.levelVersion})`,
          unlessTitle: labels.silencedBy ? "the namespace's enforce label" : undefined,
          effectiveVersion: 'per namespace',
        });
        continue;
      }
      if (s.level === 'privileged') continue;
      let unlessDeniedBy: PlanUnit['unlessDeniedBy'];
      if (subject === 'pod' && mode === 'warn' && WARN_UNLESS_ENFORCE_DENIES && enforce.level !== 'privileged') {
        // warn at enforce's own level could only fire on requests enforce rejects
        if (sameSetting(s, enforce)) continue;
        unlessDeniedBy = { ...profile(enforce.level, enforce.version), levelVersion: levelVersionOf(enforce) };
      }
      units.push({
        ...common, unlessDeniedBy, checks: common.profile.rules.map((r) => r.check),
        title: common.levelVersion, unlessTitle: unlessDeniedBy?.levelVersion, effectiveVersion: versionLabel(common.profile.minor),
      });
    }
  }
  return units;
}

/**
 * A labelled unit's validations: pod enforce first denies when the namespace
 * cannot be read (PSA fails closed on pods), then one per check, then the
 * version guard when not every version is carried.
 */
function labelledChecks(labels: LabelledPolicy, subject: Subject, mode: string): string[] {
  return [
    ...(subject === 'pod' && mode === 'enforce' ? [NAMESPACE_NOT_FOUND] : []),
    ...labels.rules.map((r) => r.check),
    ...(labels.carried.length < labels.epochs.length ? [VERSION_NOT_CARRIED] : []),
  ];
}
