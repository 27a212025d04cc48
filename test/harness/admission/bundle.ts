// The bundle a case directory's configuration compiles to: the config's
// defaults and exemptions, as --admission-config would read them, and the
// units of its admission plan (one per subject and mode), by resource name.
import type { Mode } from '../../../src/model/admission.js';
import { WORKLOAD_TEMPLATES } from '../../../src/model/pod.js';
import { resolveOptions, type CompileOptions, type RawOptions } from '../../../src/options.js';
import { admissionPlan, type PlanUnit, type Subject } from '../../../src/rules/plan.js';
import type { AdmissionRequest } from './cases.js';

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

export function bundleFor(config: Obj, extra: RawOptions & { target: string }): Bundle {
  const options = resolveOptions({ ...bundleOptions(config), ...extra });
  const units = admissionPlan(options);
  return { options, units, byName: new Map(units.map((u) => [u.name, u])) };
}

const WORKLOAD_KINDS = new Set<string>(WORKLOAD_TEMPLATES.map((w) => w.kind));

/** Whose policies can report on a request: the Pod's, a workload's, or none (other kinds, e.g. Eviction or Scale). */
export function subjectOf(r: AdmissionRequest): Subject | undefined {
  if (r.kind.kind === 'Pod' && r.kind.group === '') return 'pod';
  return WORKLOAD_KINDS.has(r.kind.kind) ? 'workload' : undefined;
}
