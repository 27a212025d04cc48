// `pss-compile check`: evaluates manifests offline as the cluster's Pod
// Security Admission would, through the same admission plan the bundles are
// compiled from. Exit 1 when enforce rejects an object, 0 otherwise.
import { evaluateRequest } from '../evaluate/admission.js';
import { resolveJob } from '../jobs.js';
import { InputError, type RawOptions } from '../options.js';
import { admissionPlan } from '../rules/plan.js';
import type { Obj } from '../object.js';
import { readObjects } from './input.js';
import type { Format } from './formats.js';
import { jsonReport, sarifReport, summarize, textReport, type Checked } from './report.js';
import { sortObjects } from './subjects.js';

export interface CheckFlags {
  level?: string;
  policyVersion?: string;
  admissionConfig?: string;
  namespaceLabels?: boolean;
  exemptNamespaces?: string;
  exemptUsernames?: string;
  exemptRuntimeClasses?: string;
  namespace: string;
  format: Format;
}

export function runCheck(paths: readonly string[], flags: CheckFlags, stdin: () => string): { output: string; code: number } {
  if (flags.level === undefined && flags.admissionConfig === undefined) {
    throw new InputError('check: give the policy, --level (with --policy-version) or --admission-config');
  }
  const raw: RawOptions = { target: 'vap' };
  for (const key of ['level', 'policyVersion', 'admissionConfig', 'namespaceLabels', 'exemptNamespaces', 'exemptUsernames', 'exemptRuntimeClasses'] as const) {
    if (flags[key] !== undefined) (raw as Record<string, unknown>)[key] = flags[key];
  }
  const options = resolveJob(raw);
  const { files, objects } = readObjects(paths, stdin);
  const { subjects, namespaces, skipped } = sortObjects(objects, flags.namespace);
  const bundle = { units: admissionPlan(options), exemptNamespaces: options.exemptNamespaces };
  // a namespace the input does not hold reads as unlabelled: the configuration's defaults
  const namespaceOf = (name: string): Obj => namespaces.get(name) ?? { metadata: { name } };
  const results: Checked[] = subjects.map((subject) => ({ subject, outcome: evaluateRequest(bundle, subject.request, namespaceOf) }));
  const summary = summarize(results, files, skipped);
  const output = flags.format === 'json' ? jsonReport(results, summary)
    : flags.format === 'sarif' ? sarifReport(results) : textReport(results, summary);
  return { output, code: summary.rejected > 0 ? 1 : 0 };
}
