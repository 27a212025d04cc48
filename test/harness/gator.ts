// Engines `gator-rego` and `gator-cel`: the Gatekeeper target's ConstraintTemplates
// and Constraints, evaluated by Gatekeeper's own CLI `gator test` (pinned in
// test/engines/gator). `gator-rego` runs with the K8sNativeValidation driver off,
// so the templates' Rego runs; `gator-cel` leaves it on (gator's default), so a
// template carrying CEL runs only its CEL.
//
// Batched: one gator process reviews many pods against every requested
// constraint at once. gator reviews each object as an audit does (no operation),
// and reports each violation with its constraint and the whole violating object.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../src/compile.js';
import { profile } from '../../src/model/registry.js';
import { parseVersion } from '../../src/model/version.js';
import { resolveOptions } from '../../src/options.js';
import { ensureEngines } from './engines.js';
import { inUpstreamOrder, reasonTexts, withoutPrefix, type Decision, type Engine, type EngineRequest, type LevelVersion, distinctPods } from './engine.js';

export type GatorMode = 'rego' | 'cel';

/** One element of `gator test --output json` (a JSON array, or `null` when nothing violates). */
export interface GatorResult {
  target: string;
  msg: string;
  /** the Rego rule's `details`, as `{details: …}`; absent for CEL */
  metadata?: { details?: { check?: string } };
  constraint: { kind: string; metadata: { name: string } };
  enforcementAction: string;
  violatingObject: { metadata?: { name?: string; namespace?: string } };
}

export interface GatorRun {
  results: GatorResult[];
  /** gator exited for a reason other than deny violations (stderr) */
  fatal?: string;
}

/** Pods per gator process at most, and pod × constraint reviews per process at most. */
const MAX_PODS_PER_RUN = 500;
const MAX_REVIEWS_PER_RUN = 50_000;

const key = (t: LevelVersion): string => `${t.level}:${t.version}`;
const podName = (i: number): string => `p${i}`;
const NAMESPACE = 'default';

/** The Gatekeeper documents (ConstraintTemplate, Constraint) the target emits for a level and version. */
export function gatekeeperDocuments(t: LevelVersion, kubeVersion?: string): Record<string, any>[] {
  const docs = compile(resolveOptions({ target: 'gatekeeper', level: t.level, policyVersion: t.version, kubeVersion }));
  return docs.flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));
}

/**
 * Runs `gator test` once on the given objects, fed as a JSON stream on stdin.
 * Exit status 1 with a result array on stdout means deny violations; any other
 * output is fatal. gator prints the array with json.MarshalIndent (four-space
 * indent), one element between a "    {" line and a "    }" line, and each
 * element repeats the whole violating object; the elements are parsed one by
 * one and only what the decisions need is kept, so the output size is unbounded.
 */
export function runGator(objects: readonly unknown[], mode: GatorMode): Promise<GatorRun> {
  const { cache } = ensureEngines();
  const args = ['test', '--output', 'json', `--enable-k8s-native-validation=${mode === 'cel'}`];
  return new Promise((resolve, reject) => {
    const child = spawn(`${cache}/bin/gator`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const results: GatorResult[] = [];
    const err: Buffer[] = [];
    const other: string[] = [];
    let element: string[] | undefined;
    let shape: 'array' | 'null' | 'bad' | undefined;
    let closed = false;
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (element) {
        element.push(line);
        if (line === '    }' || line === '    },') {
          element[element.length - 1] = '}';
          results.push(slim(JSON.parse(element.join('\n')) as GatorResult));
          element = undefined;
        }
      } else if (shape === undefined && line.trim() !== '') {
        shape = line === '[' ? 'array' : line === 'null' ? 'null' : 'bad';
        if (shape === 'bad') other.push(line);
      } else if (shape === 'array' && line === '    {') {
        element = ['{'];
      } else if (shape === 'array' && line === ']') {
        closed = true;
      } else if (line.trim() !== '') {
        other.push(line);
      }
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // gator may exit before reading everything
    let exit: number | null = null;
    let pending = 2;
    const done = (): void => {
      if (--pending > 0) return;
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const ok = (exit === 0 || exit === 1) && other.length === 0 && !element
        && ((shape === 'array' && closed) || shape === 'null');
      if (ok) resolve({ results });
      else resolve({ results: [], fatal: stderr || other.join('\n').slice(0, 2000) || `gator exited with ${exit}` });
    };
    lines.on('close', done);
    child.on('close', (code) => {
      exit = code;
      done();
    });
    for (const o of objects) child.stdin.write(`${JSON.stringify(o)}\n`);
    child.stdin.end();
  });
}

/** A result without the copies of the constraint and the violating object. */
function slim(r: GatorResult): GatorResult {
  return {
    target: r.target,
    msg: r.msg,
    ...(r.metadata ? { metadata: r.metadata } : {}),
    constraint: { kind: r.constraint.kind, metadata: { name: r.constraint.metadata.name } },
    enforcementAction: r.enforcementAction,
    violatingObject: { metadata: { name: r.violatingObject?.metadata?.name, namespace: r.violatingObject?.metadata?.namespace } },
  };
}

interface Target {
  target: LevelVersion;
  kind: string;
  /** reason text → check ID, for messages without details (CEL) */
  reasons: Map<string, string>;
}

export class GatorEngine implements Engine {
  readonly id: string;
  /**
   * Rego messages are upstream's. CEL compiled for Kubernetes < 1.35 cannot sort or dedupe,
   * so its set details may differ in order, repeat entries and pluralise on the repeats.
   */
  readonly exactMessages: boolean;
  private targets = new Map<string, Target>();
  private documents: Record<string, any>[] = [];
  /** gator processes started by the last evaluate() */
  runs = 0;

  /** `kubeVersion`: the oldest Kubernetes the template's CEL targets (the compiler's default, 1.30, when unset) */
  constructor(private readonly options: { mode: GatorMode; kubeVersion?: string }) {
    this.id = `gator-${options.mode}`;
    this.exactMessages = options.mode === 'rego' || Number(/^1\.(\d+)$/.exec(options.kubeVersion ?? '')?.[1] ?? 0) >= 35;
  }

  async prepare(targets: readonly LevelVersion[]): Promise<void> {
    this.targets.clear();
    this.documents = [];
    for (const t of targets) {
      if (this.targets.has(key(t))) continue;
      const docs = gatekeeperDocuments(t, this.options.kubeVersion);
      const constraint = docs.find((d) => d.apiVersion?.startsWith('constraints.gatekeeper.sh/'));
      if (!constraint) throw new Error(`${this.id}: no Constraint for ${key(t)}`);
      const reasons = new Map<string, string>();
      for (const rule of profile(t.level, parseVersion(t.version)).rules) {
        for (const r of reasonTexts(rule.reason)) reasons.set(r, rule.check);
      }
      this.targets.set(key(t), { target: t, kind: constraint.kind as string, reasons });
      this.documents.push(...docs);
    }
  }

  async evaluate(requests: readonly EngineRequest[]): Promise<Decision[]> {
    if (this.documents.length === 0 && requests.length > 0) throw new Error(`${this.id}: prepare() first`);
    this.runs = 0;
    // one gator object per distinct pod; every constraint reviews every pod
    const { pods, podOf } = distinctPods(requests);
    // violations by pod, then constraint kind
    const violations: Map<string, GatorResult[]>[] = pods.map(() => new Map());
    const errors = new Map<number, string>();
    const perRun = Math.max(1, Math.min(MAX_PODS_PER_RUN, Math.floor(MAX_REVIEWS_PER_RUN / Math.max(1, this.targets.size))));
    for (let start = 0; start < pods.length; start += perRun) {
      const chunk = Array.from({ length: Math.min(perRun, pods.length - start) }, (_, j) => start + j);
      await this.runChunk(chunk, pods, violations, errors);
    }
    return requests.map((r, n) => {
      const target = this.targets.get(key(r.target));
      if (!target) throw new Error(`${this.id}: target ${key(r.target)} was not prepared`);
      const p = podOf[n]!;
      const error = errors.get(p);
      if (error !== undefined) return { allowed: false, checks: [], message: `evaluation error: ${error}`, parts: [], errored: true };
      const found = violations[p]!.get(target.kind) ?? [];
      const parts = inUpstreamOrder(found.map((v) => this.part(v, target)));
      return {
        allowed: parts.length === 0,
        checks: parts.filter((v) => !v.errored).map((v) => v.check),
        message: parts.map((v) => v.msg).join(', '),
        parts: parts.map((v) => v.msg),
        errored: parts.some((v) => v.errored),
      };
    });
  }

  /** One violation as a per-check part: the Rego details name the check; CEL messages are matched by reason. */
  private part(v: GatorResult, target: Target): { check: string; msg: string; errored: boolean } {
    const msg = withoutPrefix(v.msg, target.target);
    const detailed = v.metadata?.details?.check;
    if (detailed) return { check: detailed, msg, errored: false };
    const check = target.reasons.get(msg.split(' (')[0]!);
    // a CEL evaluation error (or cost overrun) is a deny under failurePolicy Fail, with the error as its message
    if (!check) return { check: 'error', msg: `evaluation error: ${v.msg}`, errored: true };
    return { check, msg, errored: false };
  }

  /** Runs gator on some pods; a pod that makes the whole review fail is set aside as errored, and the rest rerun. */
  private async runChunk(
    chunk: number[], pods: readonly unknown[], violations: Map<string, GatorResult[]>[], errors: Map<number, string>,
  ): Promise<void> {
    let remaining = chunk;
    while (remaining.length > 0) {
      const objects = [...this.documents, ...remaining.map((p) => withName(pods[p], podName(p)))];
      this.runs++;
      const run = await runGator(objects, this.options.mode);
      const inRun = new Set(remaining);
      if (run.fatal === undefined) {
        for (const v of run.results) {
          const name = v.violatingObject?.metadata?.name ?? '';
          const p = /^p(\d+)$/.exec(name) ? Number(name.slice(1)) : NaN;
          if (!inRun.has(p)) throw new Error(`${this.id}: violation for an unknown object "${name}": ${v.msg}`);
          const byKind = violations[p]!;
          byKind.set(v.constraint.kind, [...(byKind.get(v.constraint.kind) ?? []), v]);
        }
        return;
      }
      // gator stops at the first object it cannot add or review:
      // "reviewing /v1, Kind=Pod default/p12: …" or "adding data of GVK …: … resource p12 has no version"
      const culprit = new RegExp(`reviewing [^\\n]*? ${NAMESPACE}/p(\\d+): |resource p(\\d+) `).exec(run.fatal);
      const p = culprit ? Number(culprit[1] ?? culprit[2]) : NaN;
      if (!inRun.has(p)) throw new Error(`${this.id}: gator failed: ${run.fatal.slice(0, 2000)}`);
      errors.set(p, run.fatal.split('\n').at(-1)!);
      remaining = remaining.filter((x) => x !== p);
    }
  }
}

/** The pod with only metadata.name and metadata.namespace rewritten. */
function withName(pod: unknown, name: string): unknown {
  const o = pod as Record<string, unknown>;
  const metadata = typeof o.metadata === 'object' && o.metadata !== null && !Array.isArray(o.metadata) ? o.metadata : {};
  return { ...o, metadata: { ...metadata, name, namespace: NAMESPACE } };
}
