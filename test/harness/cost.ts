// Runtime CEL cost of the restricted:latest policy, as the API server accounts
// it, for pods with 1, 10 and 100 containers that pass and that fail every
// container check. Budget: 10,000,000 per evaluation (1,000,000 per call).
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
export function policyCost(policies: readonly unknown[], kubeVersion = '1.30'): { containers: number; compliant: number; violating: number; admitted: [boolean, boolean]; denied: [boolean, boolean] }[] {
  const pods = CONTAINER_COUNTS.flatMap((n) => [samplePod(n, true), samplePod(n, false)]);
  const requests = pods.flatMap((_, pod) => policies.map((_, policy) => ({
    policy, pod, operation: 'CREATE', oldPod: -1, subResource: '', namespace: 'default', username: 'pss-compile',
  })));
  const out = runVap(policies, requests, pods, kubeVersion);
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
