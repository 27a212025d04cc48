// The pods every measurement uses: 1, 3 and 20 containers, each compliant with
// restricted:latest or failing every container check.
import { samplePod } from '../cost.js';

export const CONTAINER_COUNTS = [1, 3, 20] as const;

export interface BenchPod {
  name: string;
  compliant: boolean;
  pod: Record<string, unknown>;
}

export const BENCH_PODS: readonly BenchPod[] = CONTAINER_COUNTS.flatMap((n) => [true, false].map((compliant) => {
  const pod = samplePod(n, compliant);
  return { name: (pod.metadata as { name: string }).name, compliant, pod };
}));

/** copies of the pod set with distinct names, so that no engine can evaluate one pod once for all */
export function podCopies(copies: number): Record<string, unknown>[] {
  return Array.from({ length: copies }, (_, i) => BENCH_PODS.map(({ pod }) => ({
    ...pod, metadata: { ...(pod.metadata as object), name: `${(pod.metadata as { name: string }).name}-${i}` },
  }))).flat();
}
