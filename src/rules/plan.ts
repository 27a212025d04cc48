// The admission plan: which policies a PSA configuration needs, one per
// subject (pods, workload resources) and mode, built once from the model and
// the options. Every target emits one policy (and binding or constraint) per
// unit, named by the unit, so no target re-derives PSA's mode rules.
import { MODES, WORKLOAD_MODES, WARN_UNLESS_ENFORCE_DENIES, violationPrefix, type Mode } from '../model/admission.js';
import { profile, type Profile } from '../model/registry.js';
import type { Level } from '../model/types.js';
import type { PolicyVersion } from '../model/version.js';
import type { CompileOptions, ModeSetting } from '../options.js';
import { admissionGate, type AdmissionGate } from './admission.js';

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
      if (s.level === 'privileged') continue;
      let unlessDeniedBy: PlanUnit['unlessDeniedBy'];
      if (subject === 'pod' && mode === 'warn' && WARN_UNLESS_ENFORCE_DENIES && enforce.level !== 'privileged') {
        // warn at enforce's own level could only fire on requests enforce rejects
        if (sameSetting(s, enforce)) continue;
        unlessDeniedBy = { ...profile(enforce.level, enforce.version), levelVersion: levelVersionOf(enforce) };
      }
      const name = `${o.name}${subject === 'workload' ? '-workloads' : ''}-${mode}`;
      units.push({
        subject, mode, level: s.level, version: s.version,
        profile: profile(s.level, s.version),
        levelVersion: levelVersionOf(s),
        messagePrefix: violationPrefix(mode, levelVersionOf(s)),
        unlessDeniedBy,
        gate: admissionGate(subject, exemptions),
        name,
        kind: camel(name),
      });
    }
  }
  return units;
}
