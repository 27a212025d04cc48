// Runtime CEL cost of the restricted:latest policy, as the API server accounts
// it, for pods with 1, 10 and 100 containers that pass and that fail every
// container check. Budget: 10,000,000 per evaluation (1,000,000 per call).
import { runVap, vapDocuments } from './vap.js';

export const CEL_BUDGET = 10_000_000;
export const CONTAINER_COUNTS = [1, 10, 100] as const;

function pod(containers: number, compliant: boolean): Record<string, unknown> {
  const securityContext = compliant
    ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }
    : { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] }, runAsUser: 0, procMount: 'Unmasked', seccompProfile: { type: 'Unconfined' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `cost-${containers}` },
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

export function celCost(kubeVersion = '1.30'): CostFigure[] {
  const policy = vapDocuments({ level: 'restricted', version: 'latest' }, kubeVersion).find((d) => d.kind === 'ValidatingAdmissionPolicy')!;
  const pods = CONTAINER_COUNTS.flatMap((n) => [pod(n, true), pod(n, false)]);
  const out = runVap([policy], pods.map((_, i) => ({
    policy: 0, pod: i, operation: 'CREATE', oldPod: -1, subResource: '', namespace: 'default', username: 'pss-compile',
  })), pods, kubeVersion);
  return CONTAINER_COUNTS.map((containers, i) => {
    const compliant = out.results[2 * i]!;
    const violating = out.results[2 * i + 1]!;
    if (compliant.error || violating.error) throw new Error(`cost run failed: ${compliant.error ?? violating.error}`);
    if (compliant.decisions!.some((d) => d.action !== 'admit')) throw new Error('cost run: the compliant pod was not admitted');
    if (violating.decisions!.every((d) => d.action !== 'deny')) throw new Error('cost run: the violating pod was admitted');
    return {
      containers,
      compliant: compliant.cost!,
      violating: violating.cost!,
      budgetShare: Math.max(compliant.cost!, violating.cost!) / CEL_BUDGET,
    };
  });
}
