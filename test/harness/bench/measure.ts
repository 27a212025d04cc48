// Each measurement of `npm run bench`, on the same pods, in one process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseAllDocuments, stringify } from 'yaml';
import { compile } from '../../../src/compile.js';
import { ALL_MINORS } from '../../../src/model/registry.js';
import { versionLabel } from '../../../src/model/version.js';
import { resolveOptions, type RawOptions } from '../../../src/options.js';
import { ROOT } from '../../../src/render.js';
import { ensureEngines } from '../engines.js';
import { evaluateRequest } from '../../../src/evaluate/admission.js';
import { sortObjects } from '../../../src/check/subjects.js';
import { runCheck } from '../../../src/check/run.js';
import { admissionPlan } from '../../../src/rules/plan.js';
import type { LevelVersion } from '../engine.js';
import { runKyverno } from '../kyverno.js';
import { buildWasm, buildWasmModules, entrypoint } from '../regoWasm.js';
import { median, goDuration, seconds, secondsAsync } from './stats.js';
import { BENCH_PODS, podCopies } from './pods.js';

export const TARGET: LevelVersion = { level: 'restricted', version: 'latest' };
type Doc = Record<string, any>;
type LoadedPolicy = Awaited<ReturnType<typeof loadPolicy>>;

/** Every target and flavour × level × version the compiler knows, as option sets. */
export function matrix(): RawOptions[] {
  const flavours: RawOptions[] = [
    { target: 'gatekeeper' }, { target: 'vap' },
    { target: 'kyverno', kyvernoFlavor: 'validatingpolicy' }, { target: 'kyverno', kyvernoFlavor: 'clusterpolicy' },
  ];
  return flavours.flatMap((f) => (['privileged', 'baseline', 'restricted'] as const)
    .flatMap((level) => ALL_MINORS.map((m) => ({ ...f, level, policyVersion: versionLabel(m) }))));
}

/** The whole matrix compiled in this process: the first (cold) run and the median of the next ones. */
export function compileMatrix(runs: number): { firstSeconds: number; matrixSeconds: number; bundles: number } {
  const sets = matrix();
  const compileAll = () => {
    for (const o of sets) compile(resolveOptions(o));
  };
  const firstSeconds = seconds(compileAll);
  const times = Array.from({ length: runs }, () => seconds(compileAll));
  return { firstSeconds, matrixSeconds: median(times), bundles: sets.length };
}

/** One bundle through the CLI as a whole process (Node start included), wall time. */
export function compileCli(runs: number): { cliSeconds: number; command: string } {
  const args = [join(ROOT, 'bin/pss-compile.js'), '--target', 'gatekeeper', '--level', 'restricted'];
  const times = Array.from({ length: runs }, () => seconds(() => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`pss-compile failed: ${r.stderr}`);
  }));
  return { cliSeconds: median(times), command: 'pss-compile --target gatekeeper --level restricted' };
}

/** A review of a pod as the JSON bytes an engine receives. */
const reviewBytes = (pod: unknown): ArrayBuffer => {
  const bytes = new TextEncoder().encode(JSON.stringify({ review: { object: pod, operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' } }, parameters: {} }));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

/** Pods per second through a WASM policy, from JSON bytes to result: median of rounds. */
function wasmRate(policy: LoadedPolicy, entry: string, inputs: readonly ArrayBuffer[], runs: number, roundSeconds: number): number {
  return median(Array.from({ length: runs }, () => {
    let n = 0;
    let elapsed = 0;
    const start = process.hrtime.bigint();
    while (elapsed < roundSeconds) {
      for (const input of inputs) policy.evaluate(input, entry);
      n += inputs.length;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    return n / elapsed;
  }));
}

/**
 * restricted:latest's Rego in OPA WASM, pods per second from the review's JSON
 * bytes to the violations; and the floor: a policy with no rules on the same
 * input (what reading the input into WASM and answering costs by itself).
 */
export async function regoWasm(runs: number, roundSeconds: number): Promise<{ podsPerSecond: number; floorPodsPerSecond: number }> {
  const policy = await loadPolicy(buildWasm([TARGET]));
  policy.setData({});
  const inputs = BENCH_PODS.map((p) => reviewBytes(p.pod));
  BENCH_PODS.forEach((p, i) => {
    const violations = (policy.evaluate(inputs[i], entrypoint(TARGET)) as { result: unknown[] }[])[0]!.result;
    if ((violations.length === 0) !== p.compliant) throw new Error(`rego-wasm: unexpected verdict for ${p.name}`);
  });
  const empty = await loadPolicy(buildWasmModules([{ entry: 'empty/violation', rego: 'package empty\n\nviolation contains 1 if false\n' }]));
  empty.setData({});
  return {
    podsPerSecond: wasmRate(policy, entrypoint(TARGET), inputs, runs, roundSeconds),
    floorPodsPerSecond: wasmRate(empty, 'empty/violation', inputs, runs, roundSeconds),
  };
}

/**
 * The upstream Go evaluator on the same pods, pods per second, median of rounds:
 * from the pod's JSON (decoded at every evaluation, as the WASM run reads its
 * input), and the evaluator alone on pods decoded once.
 */
export function reference(runs: number, roundSeconds: number, pods: readonly unknown[] = BENCH_PODS.map((p) => p.pod)): { podsPerSecond: number; evaluatorOnlyPodsPerSecond: number } {
  const { oracle } = ensureEngines();
  const rate = (decode: boolean) => median(Array.from({ length: runs }, () => {
    const out = execFileSync(oracle, [], {
      input: JSON.stringify({ pods, levels: [TARGET.level], versions: [TARGET.version], benchSeconds: roundSeconds, benchDecode: decode }),
      encoding: 'utf8',
    });
    const { bench } = JSON.parse(out) as { bench: { evaluations: number; denied: number; seconds: number } };
    if (bench.denied * 2 !== bench.evaluations) throw new Error('reference: expected half the evaluations denied');
    return bench.evaluations / bench.seconds;
  }));
  return { podsPerSecond: rate(true), evaluatorOnlyPodsPerSecond: rate(false) };
}

/** Pods per second for `rounds` of `fn`, which evaluates `perCall` pods: median of rounds of `roundSeconds`. */
function callRate(fn: () => void, perCall: number, runs: number, roundSeconds: number): number {
  return median(Array.from({ length: runs }, () => {
    let n = 0;
    let elapsed = 0;
    const start = process.hrtime.bigint();
    while (elapsed < roundSeconds) {
      fn();
      n += perCall;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    return n / elapsed;
  }));
}

/**
 * `pss-compile check` at restricted:latest on the 3-container pods (one
 * compliant, one failing every container check): each pod as the CLI sorts
 * and evaluates a parsed object, and a YAML stream of 1,000 such pods through
 * the whole command in-process (parsing, evaluation, text report); beside it
 * the upstream evaluator on the same two pods.
 */
export function checkRate(runs: number, roundSeconds: number): { podsPerSecond: number; streamPodsPerSecond: number; reference: ReturnType<typeof reference> } {
  const pods = BENCH_PODS.filter((p) => (p.pod.spec as { containers: unknown[] }).containers.length === 3);
  const bundle = { units: admissionPlan(resolveOptions({ target: 'vap', level: TARGET.level, policyVersion: TARGET.version })), exemptNamespaces: [] };
  const located = pods.map((p) => ({ file: 'bench.yaml', line: 1, object: p.pod }));
  const namespaceOf = (name: string) => ({ metadata: { name } });
  const verdicts = located.map((l) => evaluateRequest(bundle, sortObjects([l], 'default').subjects[0]!.request, namespaceOf).allowed);
  if (JSON.stringify(verdicts) !== JSON.stringify(pods.map((p) => p.compliant))) throw new Error('check: unexpected verdicts');
  const stream = Array.from({ length: 500 }, (_, i) => pods.map((p) => stringify({ ...p.pod, metadata: { name: `${p.name}-${i}` } }))).flat().join('---\n');
  const flags = { level: TARGET.level, policyVersion: TARGET.version, namespace: 'default', format: 'text' as const };
  return {
    podsPerSecond: callRate(() => {
      for (const l of located) evaluateRequest(bundle, sortObjects([l], 'default').subjects[0]!.request, namespaceOf);
    }, located.length, runs, 1),
    streamPodsPerSecond: callRate(() => runCheck(['-'], flags, () => stream), 1000, runs, roundSeconds),
    reference: reference(runs, 1, pods.map((p) => p.pod)),
  };
}

export interface GatorBench {
  /** median over runs of the mean time per review (one pod against every constraint), seconds */
  secondsPerReview: number;
  p50: number;
  p99: number;
  reviewsPerSecond: number;
  /** violations per pass over the pod set */
  violations: number;
}

/** `gator bench` on documents and the pod set, for one engine; medians over runs. */
export function gatorBench(docs: readonly Doc[], engine: 'rego' | 'cel', runs: number, iterations = 1000): GatorBench {
  const { cache } = ensureEngines();
  const dir = mkdtempSync(join(tmpdir(), 'pss-bench-'));
  try {
    writeFileSync(join(dir, 'policies.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    writeFileSync(join(dir, 'pods.yaml'), BENCH_PODS.map((p) => stringify(p.pod)).join('---\n'));
    const results = Array.from({ length: runs }, () => {
      const r = spawnSync(`${cache}/bin/gator`, ['bench', '--filename', dir, '--engine', engine, '--iterations', String(iterations), '--output', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const start = r.stdout.indexOf('[');
      if (r.status !== 0 || start < 0) throw new Error(`gator bench --engine ${engine} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
      const [report] = JSON.parse(r.stdout.slice(start)) as { totalReviews: number; totalDuration: string; latencies: Record<string, string>; reviewsPerSecond: number; violationCount: number }[];
      return {
        secondsPerReview: goDuration(report!.latencies.mean!), p50: goDuration(report!.latencies.p50!), p99: goDuration(report!.latencies.p99!),
        reviewsPerSecond: report!.reviewsPerSecond, violations: report!.violationCount / iterations,
      };
    });
    const m = (k: keyof GatorBench) => median(results.map((x) => x[k]));
    return { secondsPerReview: m('secondsPerReview'), p50: m('p50'), p99: m('p99'), reviewsPerSecond: m('reviewsPerSecond'), violations: m('violations') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Time per pod through the Kyverno CLI (one process, `copies` copies of the pod set), median over runs. */
export async function kyvernoCli(policies: readonly Doc[], runs: number, copies = 10): Promise<{ secondsPerPod: number; failingPods: number }> {
  const pods = podCopies(copies);
  let failingPods = 0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(await secondsAsync(async () => {
      const results = await runKyverno(policies, pods);
      failingPods = new Set(results.filter((r) => r.result === 'fail' || r.result === 'error')
        .flatMap((r) => (r.resources ?? []).map((x) => x.name))).size / copies;
    }));
  }
  return { secondsPerPod: median(times) / pods.length, failingPods };
}

/** The documents of our bundle for restricted:latest, as a user's bundle would be read back. */
export function ourDocuments(o: RawOptions): Doc[] {
  return compile(resolveOptions({ level: TARGET.level, policyVersion: TARGET.version, ...o }))
    .flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Doc));
}
