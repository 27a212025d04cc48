// Runtime CEL cost of the restricted:latest policy, as the API server accounts
// it, for pods with 1, 10 and 100 containers that pass and that fail every
// container check. Budget: 10,000,000 per evaluation (1,000,000 per call).
import { parseDocument } from 'yaml';
import { compile } from '../../src/compile.js';
import { levelLabel, versionLabel } from '../../src/model/namespaceLabels.js';
import { resolveOptions } from '../../src/options.js';
import { BOUNDARY_MINORS, NEWEST_MINOR } from '../../src/model/registry.js';
import { parseVersion } from '../../src/model/version.js';
import { carriedEpochs } from '../../src/rules/labels.js';
import { runVap, vapDocuments } from './vap.js';

export const CEL_BUDGET = 10_000_000;
export const CONTAINER_COUNTS = [1, 10, 100] as const;

/** A pod with n containers that restricted:latest admits (compliant) or that fails every container check. */
export function samplePod(containers: number, compliant: boolean): Record<string, unknown> {
  const securityContext = compliant
    ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }
    : { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] }, runAsUser: 0, procMount: 'Unmasked', seccompProfile: { type: 'Unconfined' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${compliant ? 'compliant' : 'violating'}-${containers}`, namespace: 'default' },
    spec: {
      containers: Array.from({ length: containers }, (_, i) => ({
        name: `c${i}`,
        image: 'registry.k8s.io/pause',
        ports: [{ containerPort: 8080 + i, ...(compliant ? {} : { hostPort: 8080 + i }) }],
        securityContext,
      })),
    },
  };
}

export interface CostFigure {
  containers: number;
  compliant: number;
  violating: number;
  /** the larger of the two, as a share of the per-evaluation budget */
  budgetShare: number;
}

/** Runtime cost of one pod per container count (summed over the policies), for a compliant and a violating pod. */
export function policyCost(policies: readonly unknown[], kubeVersion = '1.30', namespace?: Record<string, unknown>): { containers: number; compliant: number; violating: number; admitted: [boolean, boolean]; denied: [boolean, boolean] }[] {
  const pods = CONTAINER_COUNTS.flatMap((n) => [samplePod(n, true), samplePod(n, false)]);
  const requests = pods.flatMap((_, pod) => policies.map((_, policy) => ({
    policy, pod, operation: 'CREATE', oldPod: -1, subResource: '', namespace: 'default', username: 'pss-compile',
  })));
  const out = runVap(policies, requests, pods, kubeVersion, [], namespace ? [namespace] : []);
  const broken = out.policies.find((p) => p.compileErrors?.length);
  if (broken) throw new Error(`policy ${broken.name} does not compile: ${broken.compileErrors![0]}`);
  const failed = out.results.find((r) => r.error);
  if (failed) throw new Error(`cost run failed: ${failed.error}`);
  const perPod = pods.map((_, pod) => out.results.slice(pod * policies.length, (pod + 1) * policies.length));
  const cost = (pod: number) => perPod[pod]!.reduce((n, r) => n + r.cost!, 0);
  const admitted = (pod: number) => perPod[pod]!.every((r) => r.decisions!.every((d) => d.action === 'admit'));
  const denied = (pod: number) => perPod[pod]!.some((r) => r.decisions!.some((d) => d.action === 'deny'));
  return CONTAINER_COUNTS.map((containers, i) => ({
    containers, compliant: cost(2 * i), violating: cost(2 * i + 1), admitted: [admitted(2 * i), admitted(2 * i + 1)], denied: [denied(2 * i), denied(2 * i + 1)],
  }));
}

export function celCost(kubeVersion = '1.30'): CostFigure[] {
  const policy = vapDocuments({ level: 'restricted', version: 'latest' }, kubeVersion).find((d) => d.kind === 'ValidatingAdmissionPolicy')!;
  return policyCost([policy], kubeVersion).map((f) => {
    if (!f.admitted[0]) throw new Error('cost run: the compliant pod was not admitted');
    if (!f.denied[1]) throw new Error('cost run: the violating pod was admitted');
    return {
      containers: f.containers,
      compliant: f.compliant,
      violating: f.violating,
      budgetShare: Math.max(f.compliant, f.violating) / CEL_BUDGET,
    };
  });
}

/** A `default` namespace with these pod-security.kubernetes.io labels */
const labelledNamespace = (labels: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default', ...labels } },
});

export interface LabelCostFigure extends CostFigure {
  /** the namespace's enforce version label */
  version: string;
}

/**
 * Runtime CEL cost of the pod enforce policy of a namespace-label bundle
 * carrying every version, in a namespace labelled enforce=restricted at
 * `latest` and at an old version: the per-version logic must not multiply it.
 */
export function labelCelCost(kubeVersion = '1.30'): { figures: LabelCostFigure[]; bytes: number } {
  const docs = compile(resolveOptions({ target: 'vap', level: 'restricted', namespaceLabels: true, kubeVersion }));
  const enforce = docs.find((d) => d.file.startsWith('validatingadmissionpolicy-') && d.file.endsWith('-enforce.yaml'))!;
  const policy = parseDocument(enforce.yaml).toJS();
  const figures = ['latest', 'v1.22'].flatMap((version) =>
    policyCost([policy], kubeVersion, labelledNamespace({ [levelLabel('enforce')]: 'restricted', [versionLabel('enforce')]: version })).map((f) => {
      if (!f.admitted[0] || !f.denied[1]) throw new Error(`label cost run at ${version}: the compliant pod must pass and the violating one be denied`);
      return { version, containers: f.containers, compliant: f.compliant, violating: f.violating, budgetShare: Math.max(f.compliant, f.violating) / CEL_BUDGET };
    }));
  return { figures, bytes: Buffer.byteLength(enforce.yaml) };
}

/**
 * Bytes of a namespace-label bundle (restricted defaults, every mode) per
 * target, carrying only `latest`, five versions, and every version: what
 * each carried version adds.
 */
export function labelBundleSizes(): { target: string; versions: string; epochs: number; bytes: number }[] {
  const sets = [['latest'], ['v1.22', 'v1.25', 'v1.30', 'v1.34', 'latest'], 'all'] as const;
  return (['vap', 'kyverno', 'gatekeeper'] as const).flatMap((target) => sets.map((versions) => {
    const docs = compile(resolveOptions({ target, level: 'restricted', action: ['enforce', 'warn', 'audit'], namespaceLabels: true, versions: versions === 'all' ? 'all' : [...versions] }));
    return {
      target,
      versions: versions === 'all' ? 'all' : versions.join(','),
      epochs: versions === 'all' ? BOUNDARY_MINORS.length : carriedEpochs(versions.map((v) => parseVersion(v).minor ?? NEWEST_MINOR)).length,
      bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.yaml), 0),
    };
  }));
}
