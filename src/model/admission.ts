// What Pod Security Admission does around the checks for one request
// (k8s.io/pod-security-admission admission/admission.go, and the in-tree
// plugin that registers it). Targets lower this; none restates it.
import type { Path } from '../rules/ir.js';
import { CONTAINER_LISTS } from './pod.js';

/** The in-tree plugin handles these operations only (admission.NewHandler(Create, Update)). */
export const EVALUATED_OPERATIONS = ['CREATE', 'UPDATE'] as const;

/**
 * An audit scan (Gatekeeper's audit, `gator test`) reviews stored objects with
 * no operation at all; it is evaluated as the object's CREATE would be.
 */
export const AUDIT_OPERATION = '';

/** Pod subresources PSA lets through without evaluation (ignoredPodSubresources). Every other one is evaluated. */
export const IGNORED_POD_SUBRESOURCES = ['attach', 'binding', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status'] as const;

/**
 * Pod subresources whose UPDATE carries the Pod, so PSA evaluates them:
 * `ephemeralcontainers` (kubectl debug) and `resize` (which can only change
 * resources, so the significance rule lets it through).
 */
export const EVALUATED_POD_SUBRESOURCES = ['ephemeralcontainers', 'resize'] as const;

/**
 * isSignificantPodUpdate: an UPDATE is evaluated only when one of these
 * changed. Lists in `byIndex` are compared by length and then `field` at each
 * index; lists in `byName` are walked in the new pod, each container matched
 * to the first old one of the same name: a new name or a changed `field`
 * counts. Anything else (labels, annotations, tolerations, resources, removed
 * ephemeral containers) is allowed without evaluation.
 */
export const SIGNIFICANT_UPDATE = {
  byIndex: ['containers', 'initContainers'],
  byName: ['ephemeralContainers'],
  key: ['name'],
  field: ['image'],
} as const satisfies { byIndex: readonly ContainerList[]; byName: readonly ContainerList[]; key: Path; field: Path };
type ContainerList = (typeof CONTAINER_LISTS)[number];

/**
 * Exemptions of the static configuration (namespaces, usernames,
 * runtimeClasses): exact strings, an empty value never matches. The namespace
 * is the request's, the user the requesting one; the runtime class is read at
 * this path of the pod spec (for workloads, of the template's spec).
 */
export const RUNTIME_CLASS_PATH: Path = ['runtimeClassName'];

/**
 * PSA's three modes (admission.go EvaluatePod): enforce denies, warn returns
 * warnings, audit writes audit records. Each has its own level and version.
 */
export const MODES = ['enforce', 'warn', 'audit'] as const;
export type Mode = (typeof MODES)[number];

/** Workload resources are only warned about and audited (ValidatePodController); their pods are enforced. */
export const WORKLOAD_MODES: readonly Mode[] = ['warn', 'audit'];

/**
 * A warning is never added to a request enforce already rejects. So pods get
 * warn's violations only while enforce's level passes.
 */
export const WARN_UNLESS_ENFORCE_DENIES = true;

/**
 * The text PSA puts before the failing checks' reasons, per mode:
 * enforce `violates PodSecurity "<level>:<version>": `; warn and audit
 * `would violate PodSecurity "<level>:<version>": `.
 */
export const violationPrefix = (mode: Mode, levelVersion: string): string => {
  const [before, after] = violationPrefixAround(mode);
  return `${before}${levelVersion}${after}`;
};

/** The prefix's text before and after `<level>:<version>`, for targets that choose the level per request. */
export const violationPrefixAround = (mode: Mode): readonly [string, string] =>
  [`${mode === 'enforce' ? 'violates' : 'would violate'} PodSecurity "`, '": '];
