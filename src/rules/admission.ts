// The admission gate: when Pod Security Admission evaluates a request at all.
// Built once from the model and the compile options; each target lowers it
// (CEL match conditions, Rego rules) in front of the checks.
import {
  AUDIT_OPERATION, EVALUATED_OPERATIONS, IGNORED_POD_SUBRESOURCES, RUNTIME_CLASS_PATH, SIGNIFICANT_UPDATE,
} from '../model/admission.js';
import type { Path } from './ir.js';

export interface Exemptions {
  namespaces: readonly string[];
  usernames: readonly string[];
  runtimeClasses: readonly string[];
}

export interface AdmissionGate {
  subject: 'pod' | 'workload';
  /** operations evaluated, the audit scan's empty one included */
  operations: readonly string[];
  /** subresources that skip evaluation: a list, or every non-empty one */
  skipSubresources: readonly string[] | 'any';
  /** pods only: an UPDATE is evaluated only when this changed */
  significantUpdate?: typeof SIGNIFICANT_UPDATE;
  /** usernames exempt from evaluation (exact) */
  exemptUsernames: readonly string[];
  /** runtime classes exempt from evaluation (exact), read at this path of the pod spec */
  exemptRuntimeClasses: readonly string[];
  runtimeClassPath: Path;
}

export function admissionGate(subject: AdmissionGate['subject'], exemptions: Exemptions): AdmissionGate {
  return {
    subject,
    operations: [AUDIT_OPERATION, ...EVALUATED_OPERATIONS],
    skipSubresources: subject === 'pod' ? IGNORED_POD_SUBRESOURCES : 'any',
    significantUpdate: subject === 'pod' ? SIGNIFICANT_UPDATE : undefined,
    exemptUsernames: exemptions.usernames,
    exemptRuntimeClasses: exemptions.runtimeClasses,
    runtimeClassPath: RUNTIME_CLASS_PATH,
  };
}
