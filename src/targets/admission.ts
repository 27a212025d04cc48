// Admission facts every target needs in the same form.
import { EVALUATED_POD_SUBRESOURCES } from '../model/admission.js';
import type { Exemptions } from '../rules/admission.js';
import type { CompileOptions } from '../options.js';

/** `pods` and the pod subresources whose requests PSA evaluates, as webhook and VAP rules name them */
export const podResources = (): string[] => ['pods', ...EVALUATED_POD_SUBRESOURCES.map((s) => `pods/${s}`)];

export const exemptions = (o: CompileOptions): Exemptions => ({
  namespaces: o.exemptNamespaces,
  usernames: o.exemptUsernames,
  runtimeClasses: o.exemptRuntimeClasses,
});
