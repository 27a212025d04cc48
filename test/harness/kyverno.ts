// Engines `kyverno-vpol` and `kyverno-cpol`: the Kyverno target, as
// ValidatingPolicy (policies.kyverno.io/v1, CEL) or legacy ClusterPolicy
// (kyverno.io/v1, one validate.cel rule per check). ValidatingPolicies go
// through Kyverno's own engine as its webhook runs it (`kyverno-vpol`, built
// from the pinned module in test/engines/kyverno), ClusterPolicies through the
// real Kyverno CLI (`kyverno apply --policy-report`). The CLI compiles every
// ValidatingPolicy again for each resource (~0.1 s a pod); the engine harness
// compiles them once, and its results are shaped as the CLI's report.
//
// One CLI process evaluates many pods against many policies; its policy report
// gives one result per (pod, policy) for a ValidatingPolicy and per (pod,
// policy, rule) for a ClusterPolicy, each with the failure message as the
// policy's messageExpression produced it (Kyverno adds no prefix in reports).
//
// What the CLI does that this adapter has to guard against (kyverno v1.19):
// - a policy file that fails schema validation (unknown field, bad YAML) is
//   skipped silently, exit code 0: every policy is written to its own file and
//   every pod must get a result from every policy that matches pods;
// - a ValidatingPolicy stops at its first failing validation, so it reports at
//   most one failing check per pod (not all of them, as upstream does);
// - ClusterPolicy validate.cel runs the API server's validator with its
//   default failure policy (Fail), so a CEL runtime error, a compile error and
//   a broken messageExpression are reported as `fail`, recognisable by their
//   text; a ValidatingPolicy reports runtime errors as `error`, and a compile
//   error aborts the whole run (exit 1, "Error: failed to apply policies ...").
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../src/compile.js';
import { CHECK_ORDER, profile } from '../../src/model/registry.js';
import { parseVersion } from '../../src/model/version.js';
import { resolveOptions } from '../../src/options.js';
import { ensureEngines } from './engines.js';
import { inUpstreamOrder, withoutPrefix, type Decision, type Engine, type EngineRequest, type LevelVersion, distinctPods } from './engine.js';

export type KyvernoEngineFlavor = 'vpol' | 'cpol';
type Doc = Record<string, any>;
/** Where the policy documents for a level and version come from. */
export type KyvernoDocumentSource = (t: LevelVersion, flavor: KyvernoEngineFlavor) => Doc[];

const KIND: Record<KyvernoEngineFlavor, string> = { vpol: 'ValidatingPolicy', cpol: 'ClusterPolicy' };

/** The Kyverno documents the target emits for a level and version. */
export function kyvernoDocuments(t: LevelVersion, flavor: KyvernoEngineFlavor): Doc[] {
  const kyvernoFlavor = flavor === 'vpol' ? 'validatingpolicy' : 'clusterpolicy';
  const docs = compile(resolveOptions({ target: 'kyverno', level: t.level, policyVersion: t.version, kyvernoFlavor }));
  return docs.flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Doc));
}

/** One result of the CLI's policy report. */
export interface KyvernoResult {
  policy: string;
  /** ClusterPolicy rule; absent for a ValidatingPolicy */
  rule?: string;
  result: 'pass' | 'fail' | 'warn' | 'error' | 'skip';
  message?: string;
  properties?: Record<string, string>;
  resources?: { kind?: string; namespace?: string; name?: string }[];
}

/**
 * A document as YAML the CLI reads back exactly: JSON (so nulls stay nulls),
 * with the characters YAML forbids or reads as line breaks (NEL, LS, PS) escaped.
 */
const asYaml = (doc: unknown): string =>
  JSON.stringify(doc).replace(/[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** What of an admission request the CLI takes besides the resource: a values file (operation, old object, namespaces) and the user. */
export interface KyvernoRequestFiles {
  values?: Record<string, unknown>;
  userInfo?: { username?: string; groups?: string[] };
}

/**
 * Runs `kyverno apply` on policies (one file each) and resources (one
 * multi-document file) and returns the policy report's results.
 */
export async function runKyverno(policies: readonly Doc[], resources: readonly unknown[], request: KyvernoRequestFiles = {}): Promise<KyvernoResult[]> {
  const { cache } = ensureEngines();
  const dir = mkdtempSync(join(tmpdir(), 'pss-kyverno-'));
  try {
    const files = policies.map((p, i) => {
      const file = join(dir, `policy${i}.yaml`);
      writeFileSync(file, asYaml(p));
      return file;
    });
    const podsFile = join(dir, 'resources.yaml');
    writeFileSync(podsFile, resources.map(asYaml).join('\n---\n'));
    const extra: string[] = [];
    if (request.values) {
      writeFileSync(join(dir, 'values.yaml'), asYaml({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'Values', ...request.values }));
      extra.push('-f', join(dir, 'values.yaml'));
    }
    if (request.userInfo) {
      writeFileSync(join(dir, 'user.yaml'), asYaml({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'UserInfo', userInfo: request.userInfo }));
      extra.push('--userinfo', join(dir, 'user.yaml'));
    }
    const args = ['apply', ...files, '--resource', podsFile, ...extra, '--policy-report', '--output-format', 'json', '--remove-color'];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      execFile(`${cache}/bin/kyverno`, args, { maxBuffer: 1 << 30, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        if (err && code === -1) reject(err);
        else resolve({ code, stdout, stderr });
      });
    });
    // exit 1 means "there are policy violations" (with nothing on stderr); anything on stderr is a real error
    if ((code !== 0 && code !== 1) || /^Error:/m.test(stderr)) {
      throw new Error(`kyverno apply failed (exit ${code}): ${(stderr || stdout).slice(0, 4000)}`);
    }
    // stdout also carries "Warning: ..." lines (e.g. ClusterPolicy is deprecated); reports are one JSON line each
    return stdout.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
      const report = JSON.parse(l) as { kind?: string; results?: KyvernoResult[] };
      return report.results ?? [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One admission request's results from Kyverno's ValidatingPolicy engine: each policy that matched, with its rule results. */
export interface VpolEngineResult {
  policies?: { name: string; rules: { status: KyvernoResult['result']; message?: string; properties?: Record<string, string> }[] }[];
  error?: string;
}

/**
 * Kyverno's own ValidatingPolicy engine (test/engines/kyverno/vpol) on whole
 * AdmissionRequests, as Kyverno's webhook runs it: the policies compiled once
 * per process, the namespaces as its namespace resolver. The CLI runs the same
 * engine but compiles every policy again for each resource.
 */
export function runVpolEngine(policies: readonly Doc[], namespaces: readonly Doc[], requests: readonly unknown[]): Promise<VpolEngineResult[]> {
  return runEngineHarness('kyverno-vpol', policies, namespaces, requests);
}

export interface CpolEngineResult {
  policies?: { name: string; rules: { name: string; status: string; message?: string }[] }[];
  error?: string;
}

/** ClusterPolicies on admission requests in Kyverno's engine as its webhook runs it, in-cluster (test/engines/kyverno/cpol). */
export function runCpolEngine(policies: readonly Doc[], namespaces: readonly Doc[], requests: readonly unknown[]): Promise<CpolEngineResult[]> {
  return runEngineHarness('kyverno-cpol', policies, namespaces, requests);
}

function runEngineHarness<T>(bin: string, policies: readonly Doc[], namespaces: readonly Doc[], requests: readonly unknown[]): Promise<T[]> {
  const { cache } = ensureEngines();
  return new Promise((resolve, reject) => {
    const child = spawn(`${cache}/bin/${bin}`, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${bin} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').slice(0, 4000)}`));
      else resolve((JSON.parse(Buffer.concat(out).toString('utf8')) as { results: T[] }).results);
    });
    child.stdin.end(JSON.stringify({ policies, namespaces, requests }));
  });
}

/** A pod's CREATE, as the API server sends it to a webhook. */
function podCreate(pod: Record<string, any>): Record<string, unknown> {
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  const resource = { group: '', version: 'v1', resource: 'pods' };
  return {
    uid: `pss-${pod.metadata.name}`, kind, resource, requestKind: kind, requestResource: resource,
    name: pod.metadata.name, namespace: pod.metadata.namespace, operation: 'CREATE',
    userInfo: { username: 'pss-compile' }, object: pod, oldObject: null, dryRun: false,
  };
}

/** Kyverno rule names a check may have: `seccompprofile-restricted` or `seccomp-profile-restricted`. */
export const CHECK_BY_RULE = new Map(CHECK_ORDER.flatMap((c) => [
  [c.id.replace(/_/g, '-').toLowerCase(), c.id],
  [c.id.replace(/_/g, '-').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase(), c.id],
] as const));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Does the policy apply to Pods (rather than only to workloads)? */
export function matchesPods(policy: Doc, flavor: KyvernoEngineFlavor): boolean {
  if (flavor === 'vpol') {
    return (policy.spec?.matchConstraints?.resourceRules ?? []).some((r: Doc) =>
      (r.apiGroups ?? []).includes('') && (r.resources ?? []).some((x: string) => x === 'pods' || x === '*'));
  }
  return (policy.spec?.rules ?? []).some((r: Doc) => podRule(r));
}

function podRule(rule: Doc): boolean {
  const filters = [...(rule.match?.any ?? []), ...(rule.match?.all ?? []), ...(rule.match?.resources ? [{ resources: rule.match.resources }] : [])];
  return filters.some((f: Doc) => (f.resources?.kinds ?? []).some((k: string) => /^(v1\/)?Pod$/.test(k)));
}

/** One policy of one target, with how its results name checks. */
interface TargetPolicy {
  name: string;
  matchesPods: boolean;
  /** ValidatingPolicy: check of each validation index */
  validationChecks: string[];
}

/** Errors Kyverno reports as a ClusterPolicy rule's `fail` message, or as a ValidatingPolicy's message. */
export const ERROR_MESSAGE = [
  /^expression '[\s\S]*' resulted in error: /, // CEL runtime error (validate.cel, failure policy Fail)
  /^compilation error: /, // CEL compile error (validate.cel)
  /^failed expression: /, // messageExpression failed, no static message (validate.cel)
  /^failed to evaluate message expression: /, // ValidatingPolicy
  /^failed to convert message expression to string: /, // ValidatingPolicy
];

/** Kyverno's own wording around a message, if any: reports carry the messageExpression's text as is. */
export const stripPrefix = (message: string): string => message.replace(/^Validation rule '[^']*' failed(?: at path [^:]*)?[.:] ?/, '');

const key = (t: LevelVersion): string => `${t.level}:${t.version}`;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface KyvernoEngineOptions {
  flavor: KyvernoEngineFlavor;
  /** defaults to the compiler's output (`kyvernoDocuments`) */
  documents?: KyvernoDocumentSource;
  /**
   * pod × policy evaluations per CLI process. The CLI compiles every policy's
   * CEL again for each pod (~80 ms per pod for a generated restricted policy),
   * so this bounds a process to a few minutes.
   */
  evaluationsPerRun?: number;
  /** CLI processes run at once */
  parallel?: number;
}

/** The namespace every pod of the pod-level comparisons is created in */
const NAMESPACE_OBJECT = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } };

export class KyvernoEngine implements Engine {
  readonly id: string;
  /** the CEL is lowered for Kubernetes 1.30, which cannot sort, so sorted-set details may differ in order (as for vap) */
  readonly exactMessages = false;
  /** Kyverno evaluates a ValidatingPolicy's validations in order and stops at the first failure */
  readonly firstFailureOnly: boolean;
  private readonly flavor: KyvernoEngineFlavor;
  private readonly documents: KyvernoDocumentSource;
  private readonly evaluationsPerRun: number;
  private readonly parallel: number;
  /** every policy document, by name */
  private policies = new Map<string, Doc>();
  private targets = new Map<string, TargetPolicy[]>();

  constructor(options: KyvernoEngineOptions) {
    this.flavor = options.flavor;
    this.firstFailureOnly = options.flavor === 'vpol';
    this.id = `kyverno-${options.flavor}`;
    this.documents = options.documents ?? kyvernoDocuments;
    // the engine harness compiles each policy once per process: batches can be large
    this.evaluationsPerRun = options.evaluationsPerRun ?? (options.flavor === 'vpol' ? 500_000 : 2000);
    this.parallel = options.parallel ?? Math.max(1, Math.min(2, availableParallelism()));
  }

  async prepare(targets: readonly LevelVersion[]): Promise<void> {
    this.policies.clear();
    this.targets.clear();
    for (const t of targets) {
      if (this.targets.has(key(t))) continue;
      const docs = this.documents(t, this.flavor).filter((d) => d?.kind === KIND[this.flavor]);
      if (docs.length === 0) throw new Error(`${this.id}: no ${KIND[this.flavor]} for ${key(t)}`);
      for (const d of docs) {
        const name = String(d.metadata?.name);
        const known = this.policies.get(name);
        if (known && JSON.stringify(known) !== JSON.stringify(d)) throw new Error(`${this.id}: two different policies named ${name}`);
        this.policies.set(name, d);
      }
      this.targets.set(key(t), this.describe(t, docs));
    }
  }

  /** How each policy's results map to checks: validations in upstream order across the target's pod policies. */
  private describe(t: LevelVersion, docs: Doc[]): TargetPolicy[] {
    const checks = profile(t.level, parseVersion(t.version)).rules.map((r) => r.check);
    const pods = docs.filter((d) => matchesPods(d, this.flavor));
    const total = pods.reduce((n, d) => n + (d.spec?.validations?.length ?? 0), 0);
    let next = 0;
    return docs.map((d) => {
      const podPolicy = matchesPods(d, this.flavor);
      const count = this.flavor === 'vpol' ? (d.spec?.validations?.length ?? 0) : 0;
      const validationChecks = Array.from({ length: count }, (_, i) =>
        podPolicy && total === checks.length ? checks[next + i]! : `${d.metadata.name}[${i}]`);
      if (podPolicy) next += count;
      return { name: String(d.metadata.name), matchesPods: podPolicy, validationChecks };
    });
  }

  async evaluate(requests: readonly EngineRequest[]): Promise<Decision[]> {
    // distinct pods, and which targets each is evaluated at
    const { pods, podOf } = distinctPods(requests);
    const targetsOfPod = new Map<number, Set<string>>();
    requests.forEach((r, n) => {
      if (!this.targets.has(key(r.target))) throw new Error(`${this.id}: ${key(r.target)} was not prepared`);
      const set = targetsOfPod.get(podOf[n]!) ?? new Set<string>();
      set.add(key(r.target));
      targetsOfPod.set(podOf[n]!, set);
    });
    // pods with the same targets share runs: a full grid is one group, the corpus one group per target
    const groups = new Map<string, { targets: string[]; pods: number[] }>();
    for (const [pod, set] of targetsOfPod) {
      const targets = [...set].sort();
      const g = groups.get(targets.join(',')) ?? { targets, pods: [] };
      g.pods.push(pod);
      groups.set(targets.join(','), g);
    }
    // only policies that match pods: the CLI compiles every ValidatingPolicy for every resource
    const jobs = [...groups.values()].flatMap((g) => {
      const names = [...new Set(g.targets.flatMap((t) => this.targets.get(t)!.filter((p) => p.matchesPods).map((p) => p.name)))];
      if (names.length === 0) return [];
      const policyChunks = chunk(names, Math.max(1, Math.floor(this.evaluationsPerRun / Math.min(g.pods.length, 50))));
      // enough runs to keep every worker busy, none bigger than evaluationsPerRun
      const podRuns = Math.max(
        Math.ceil(this.parallel / policyChunks.length),
        Math.ceil((g.pods.length * Math.max(...policyChunks.map((c) => c.length))) / this.evaluationsPerRun),
      );
      const podChunks = chunk(g.pods, Math.ceil(g.pods.length / podRuns));
      return policyChunks.flatMap((names) => podChunks.map((pods) => ({ names, pods })));
    });
    // results by pod, then policy
    const results = new Map<number, Map<string, KyvernoResult[]>>();
    const run = async (job: { names: string[]; pods: number[] }): Promise<void> => {
      const resources = job.pods.map((p) => this.asResource(pods[p], p));
      const policies = job.names.map((n) => this.policies.get(n)!);
      const out = this.flavor === 'vpol' ? await this.viaEngine(policies, resources) : await runKyverno(policies, resources);
      const seen = new Set<string>();
      for (const r of out) {
        seen.add(r.policy);
        for (const res of r.resources ?? []) {
          const m = /^pss-(\d+)$/.exec(res.name ?? '');
          if (!m || res.kind !== 'Pod') continue;
          const byPolicy = results.get(Number(m[1])) ?? new Map<string, KyvernoResult[]>();
          byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
          results.set(Number(m[1]), byPolicy);
        }
      }
      // the CLI drops a policy it cannot load without a word: every pod policy must have answered
      const podPolicies = new Set(job.names.filter((n) => matchesPods(this.policies.get(n)!, this.flavor)));
      const silent = [...podPolicies].filter((n) => !seen.has(n));
      if (silent.length > 0) throw new Error(`${this.id}: kyverno reported nothing for ${silent.join(', ')} (the CLI skips a policy it cannot load)`);
    };
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(this.parallel, jobs.length) }, async () => {
      while (next < jobs.length) await run(jobs[next++]!);
    }));
    return requests.map((r, n) => this.decide(r.target, results.get(podOf[n]!) ?? new Map()));
  }

  /** ValidatingPolicies through Kyverno's engine, as CREATE requests, with the results shaped as the CLI's report gives them. */
  private async viaEngine(policies: Doc[], resources: Record<string, any>[]): Promise<KyvernoResult[]> {
    const results = await runVpolEngine(policies, [NAMESPACE_OBJECT], resources.map(podCreate));
    return results.flatMap((r, i) => {
      const resource = { kind: 'Pod', namespace: resources[i]!.metadata.namespace, name: resources[i]!.metadata.name };
      if (r.error) return [{ policy: policies[0]!.metadata.name, result: 'error' as const, message: r.error, resources: [resource] }];
      return (r.policies ?? []).flatMap((p) => p.rules.map((rule): KyvernoResult => ({
        policy: p.name, result: rule.status, message: rule.message, properties: rule.properties, resources: [resource],
      })));
    });
  }

  /** The pod as the CLI gets it: exact content, only metadata.name/namespace rewritten to identify it. */
  private asResource(pod: unknown, index: number): Record<string, unknown> {
    const p = isObject(pod) ? pod : {};
    const metadata = isObject(p.metadata) ? p.metadata : {};
    return {
      ...(p.apiVersion === undefined ? { apiVersion: 'v1' } : {}),
      ...(p.kind === undefined ? { kind: 'Pod' } : {}),
      ...p,
      metadata: { ...metadata, name: `pss-${index}`, namespace: 'default' },
    };
  }

  private decide(target: LevelVersion, byPolicy: Map<string, KyvernoResult[]>): Decision {
    const violations: { check: string; msg: string; error: boolean }[] = [];
    for (const policy of this.targets.get(key(target))!) {
      const results = byPolicy.get(policy.name) ?? [];
      if (results.length === 0 && policy.matchesPods) {
        violations.push({ check: policy.name, msg: `evaluation error: kyverno reported no result from ${policy.name}`, error: true });
      }
      for (const r of results) {
        if (r.result === 'pass' || r.result === 'skip') continue;
        const message = stripPrefix(r.message ?? '');
        const error = r.result === 'error' || ERROR_MESSAGE.some((re) => re.test(message));
        violations.push({
          check: this.checkOf(policy, r),
          msg: error ? `evaluation error: ${message.replace(/^error: /, '')}` : withoutPrefix(message, target),
          error,
        });
      }
    }
    const ordered = inUpstreamOrder(violations);
    const parts = ordered.map((v) => v.msg);
    return {
      allowed: ordered.length === 0,
      checks: ordered.map((v) => v.check),
      message: parts.join(', '),
      parts,
      errored: ordered.some((v) => v.error),
    };
  }

  private checkOf(policy: TargetPolicy, r: KyvernoResult): string {
    if (this.flavor === 'cpol') return CHECK_BY_RULE.get(r.rule ?? '') ?? `${policy.name}/${r.rule}`;
    const index = Number(r.properties?.['cel.validationIndex']);
    return Number.isInteger(index) ? policy.validationChecks[index] ?? `${policy.name}[${index}]` : policy.name;
  }
}
