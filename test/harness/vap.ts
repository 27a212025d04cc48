// Engine `vap`: the ValidatingAdmissionPolicy target, compiled and evaluated by
// the Kubernetes API server's own CEL and validating-admission-policy code
// (k8s.io/apiserver, pinned in test/engines/core), run as a child process.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../src/compile.js';
import { profile } from '../../src/model/registry.js';
import { parseVersion } from '../../src/model/version.js';
import { resolveOptions } from '../../src/options.js';
import { ensureEngines } from './engines.js';
import { withoutPrefix, type Decision, type Engine, type EngineRequest, type LevelVersion } from './engine.js';

interface VapDecision { validation: number; action: 'admit' | 'deny' | 'error'; message: string; reason?: string }
interface VapResult { decisions?: VapDecision[]; cost?: number; error?: string }
interface VapPolicyReport { name: string; compileErrors?: string[]; schemaErrors?: string[] }
export interface VapOutput { policies: VapPolicyReport[]; bindings?: VapPolicyReport[]; results: VapResult[] }

const key = (t: LevelVersion): string => `${t.level}:${t.version}`;

/** The VAP documents the target emits for a level and version. */
export function vapDocuments(t: LevelVersion, kubeVersion = '1.30'): Record<string, any>[] {
  const docs = compile(resolveOptions({ target: 'vap', level: t.level, policyVersion: t.version, kubeVersion }));
  return docs.flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));
}

/** Runs the apiserver-based evaluator on policies and requests. */
export function runVap(
  policies: readonly unknown[], requests: readonly unknown[], pods: readonly unknown[], kubeVersion = '1.30', bindings: readonly unknown[] = [],
  namespaces: readonly unknown[] = [],
): VapOutput {
  const { cache } = ensureEngines();
  const out = execFileSync(`${cache}/bin/vap`, [], {
    input: JSON.stringify({ policies, bindings, pods, requests, kubeVersion, namespaces }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out) as VapOutput;
}

export class VapEngine implements Engine {
  readonly id = 'vap';
  /** CEL before Kubernetes 1.35 cannot sort, so sorted-set details may differ in order */
  readonly exactMessages = false;
  private policies = new Map<string, { index: number; policy: Record<string, any>; checks: string[] }>();
  /** runtime CEL cost of each evaluation in the last batch */
  costs: number[] = [];

  constructor(private readonly kubeVersion = '1.30') {}

  async prepare(targets: readonly LevelVersion[]): Promise<void> {
    this.policies.clear();
    targets.forEach((t, index) => {
      const policy = vapDocuments(t, this.kubeVersion).find((d) => d.kind === 'ValidatingAdmissionPolicy')!;
      const checks = profile(t.level, parseVersion(t.version)).rules.map((rule) => rule.check);
      this.policies.set(key(t), { index, policy, checks });
    });
  }

  async evaluate(requests: readonly EngineRequest[]): Promise<Decision[]> {
    const policies = [...this.policies.values()].sort((a, b) => a.index - b.index).map((p) => p.policy);
    const out = runVap(policies, requests.map((r, pod) => ({
      policy: this.policies.get(key(r.target))!.index, pod, operation: 'CREATE', oldPod: -1,
      subResource: '', namespace: 'default', username: 'pss-compile',
    })), requests.map((r) => r.pod), this.kubeVersion);
    const broken = out.policies.filter((p) => (p.compileErrors?.length ?? 0) + (p.schemaErrors?.length ?? 0) > 0);
    if (broken.length > 0) throw new Error(`vap: invalid policies: ${JSON.stringify(broken).slice(0, 2000)}`);
    this.costs = out.results.map((r) => r.cost ?? 0);
    return out.results.map((r, n) => {
      const { checks } = this.policies.get(key(requests[n]!.target))!;
      if (r.error) return { allowed: false, checks: [], message: `evaluation error: ${r.error}`, parts: [], errored: true };
      const failed = (r.decisions ?? []).filter((d) => d.action !== 'admit');
      const parts = failed.map((d) => (d.action === 'error' ? `evaluation error: ${d.message}` : withoutPrefix(d.message, requests[n]!.target)));
      return {
        allowed: failed.length === 0,
        checks: failed.map((d) => checks[d.validation] ?? `validation ${d.validation}`),
        message: parts.join(', '),
        parts,
        errored: failed.some((d) => d.action === 'error'),
      };
    });
  }
}
