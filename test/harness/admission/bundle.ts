// The bundle a case directory's configuration compiles to: the config's
// defaults and exemptions, as --admission-config would read them, and the
// units of its admission plan (one per subject and mode), by resource name.
import { violationPrefix, type Mode } from '../../../src/model/admission.js';
import { WORKLOAD_TEMPLATES } from '../../../src/model/pod.js';
import { resolveOptions, type CompileOptions, type RawOptions } from '../../../src/options.js';
import { admissionPlan, type PlanUnit, type Subject } from '../../../src/rules/plan.js';
import { NAMESPACE_NOT_FOUND, NOT_CARRIED_REASON, VERSION_NOT_CARRIED } from '../../../src/rules/labels.js';
import { NAMESPACE_LOOKUP_FAILED } from '../../../src/model/namespaceLabels.js';
import { reasonTexts } from '../engine.js';
import type { AdmissionRequest, CaseDir } from './cases.js';

type Obj = Record<string, any>;
export type { Mode };

export function bundleOptions(config: Obj): RawOptions {
  const exemptions: Obj = config?.exemptions ?? {};
  return {
    defaults: config?.defaults ?? {},
    exemptNamespaces: exemptions.namespaces ?? [], exemptUsernames: exemptions.usernames ?? [], exemptRuntimeClasses: exemptions.runtimeClasses ?? [],
  };
}

export interface Bundle {
  options: CompileOptions;
  units: PlanUnit[];
  /** the unit of each resource name */
  byName: Map<string, PlanUnit>;
}

/** The bundle of a case directory: its PSA configuration, compiled as its pss-compile.yaml says. */
export function bundleFor(dir: Pick<CaseDir, 'config' | 'compile'>, extra: RawOptions & { target: string }): Bundle {
  const options = resolveOptions({ ...bundleOptions(dir.config), ...dir.compile, ...extra });
  const units = admissionPlan(options);
  return { options, units, byName: new Map(units.map((u) => [u.name, u])) };
}

const WORKLOAD_KINDS = new Set<string>(WORKLOAD_TEMPLATES.map((w) => w.kind));

/** Whose policies can report on a request: the Pod's, a workload's, or none (other kinds, e.g. Eviction or Scale). */
export function subjectOf(r: AdmissionRequest): Subject | undefined {
  if (r.kind.kind === 'Pod' && r.kind.group === '') return 'pod';
  return WORKLOAD_KINDS.has(r.kind.kind) ? 'workload' : undefined;
}

/**
 * The prefix a unit's messages must start with: fixed by the configuration,
 * or, in label mode, PSA's for the level and version upstream chose in that
 * mode (undefined when upstream reported nothing there).
 */
export function expectedPrefix(unit: PlanUnit, expected: { raw?: { modes?: Partial<Record<Mode, { policy: string }>> } } | undefined): string | undefined {
  if (!unit.labels) return unit.messagePrefix;
  const policy = expected?.raw?.modes?.[unit.mode]?.policy;
  return policy === undefined ? undefined : violationPrefix(unit.mode, policy);
}

/** The texts each check of a unit may start its reason with (every carried revision's), its own guards included. */
export function unitReasons(unit: PlanUnit): Map<string, string[]> {
  const rules = unit.labels ? unit.labels.rules.flatMap((r) => r.revisions.map((rev) => rev.rule)) : unit.profile.rules;
  const reasons = new Map<string, string[]>(unit.checks.map((c) => [c, []]));
  for (const r of rules) reasons.get(r.check)!.push(...reasonTexts(r.reason));
  reasons.get(NAMESPACE_NOT_FOUND)?.push(NAMESPACE_LOOKUP_FAILED[0]);
  reasons.get(VERSION_NOT_CARRIED)?.push(NOT_CARRIED_REASON);
  return new Map([...reasons].map(([c, texts]) => [c, [...new Set(texts)]]));
}
