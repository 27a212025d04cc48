// Admission facts every target needs in the same form.
import { EVALUATED_POD_SUBRESOURCES } from '../model/admission.js';
import { POD, WORKLOAD_TEMPLATES } from '../model/pod.js';

/** `pods` and the pod subresources whose requests PSA evaluates, as webhook and VAP rules name them */
export const podResources = (): string[] => [POD.resource, ...EVALUATED_POD_SUBRESOURCES.map((s) => `${POD.resource}/${s}`)];

/** The workload resources and kinds PSA checks, by API group */
export const workloadGroups = (): { group: string; resources: string[]; kinds: string[] }[] =>
  [...new Set(WORKLOAD_TEMPLATES.map((w) => w.group))].map((group) => ({
    group,
    resources: WORKLOAD_TEMPLATES.filter((w) => w.group === group).map((w) => w.resource),
    kinds: WORKLOAD_TEMPLATES.filter((w) => w.group === group).map((w) => w.kind),
  }));

/** The resource rules (API group and resources) a subject's VAP or ValidatingPolicy matches */
export const resourceRules = (subject: 'pod' | 'workload'): { group: string; resources: string[] }[] =>
  (subject === 'pod'
    ? [{ group: '', resources: podResources() }]
    : workloadGroups().map((g) => ({ group: g.group, resources: g.resources })));
