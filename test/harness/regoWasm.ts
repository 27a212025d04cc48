// Engines `rego-wasm` and `rego-wasm-v0`: the Gatekeeper target's Rego (v1, or
// the legacy v0 of `--rego-version v0`), compiled by the real `opa` to
// WebAssembly and evaluated with @open-policy-agent/opa-wasm.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { RegoVersion } from '../../src/options.js';
import { gatekeeperRego } from '../../src/targets/gatekeeper/index.js';
import { ensureEngines } from './engines.js';
import { enforceUnit, inUpstreamOrder, withoutPrefix, type Decision, type Engine, type EngineRequest, type LevelVersion } from './engine.js';

type LoadedPolicy = Awaited<ReturnType<typeof loadPolicy>>;
interface Violation { msg: string; details: { check: string } }

export const entrypoint = (t: LevelVersion): string => `${enforceUnit(t).kind.toLowerCase()}/violation`;

/** Builds one WASM module holding every requested policy, in the Rego version asked for; cached by content. */
export function buildWasm(targets: readonly LevelVersion[], regoVersion: RegoVersion = 'v1'): Buffer {
  return buildWasmModules(targets.map((t) => ({
    entry: entrypoint(t),
    rego: gatekeeperRego(enforceUnit(t), { regoVersion }),
  })), regoVersion);
}

/** `opa build -t wasm` of Rego modules, each with its entrypoint; cached by content. */
export function buildWasmModules(modules: readonly { entry: string; rego: string }[], regoVersion: RegoVersion = 'v1'): Buffer {
  const { opa, cache } = ensureEngines();
  const hash = createHash('sha256').update(JSON.stringify({ modules, regoVersion })).digest('hex').slice(0, 20);
  const wasmCache = join(cache, 'wasm');
  const cached = join(wasmCache, `${hash}.wasm`);
  if (existsSync(cached)) return readFileSync(cached);
  mkdirSync(wasmCache, { recursive: true });
  const dir = mkdtempSync(join(wasmCache, 'build-'));
  try {
    mkdirSync(join(dir, 'src'));
    modules.forEach((m, i) => writeFileSync(join(dir, 'src', `policy${i}.rego`), m.rego));
    const entries = modules.flatMap((m) => ['-e', m.entry]);
    // v0 modules are parsed as Gatekeeper < 3.19 parses its legacy `rego` field
    const v0 = regoVersion === 'v0' ? ['--v0-compatible'] : [];
    execFileSync(opa, ['build', '-t', 'wasm', ...v0, ...entries, '-o', join(dir, 'bundle.tar.gz'), join(dir, 'src')], { stdio: 'pipe' });
    execFileSync('tar', ['-xzf', join(dir, 'bundle.tar.gz'), '-C', dir, '/policy.wasm'], { stdio: 'pipe' });
    renameSync(join(dir, 'policy.wasm'), cached);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return readFileSync(cached);
}

export class RegoWasmEngine implements Engine {
  readonly id: string;
  readonly exactMessages = true;
  private policy: LoadedPolicy | undefined;

  constructor(private readonly regoVersion: RegoVersion = 'v1') {
    this.id = regoVersion === 'v1' ? 'rego-wasm' : `rego-wasm-${regoVersion}`;
  }

  async prepare(targets: readonly LevelVersion[]): Promise<void> {
    const unique = [...new Map(targets.map((t) => [entrypoint(t), t])).values()];
    this.policy = await loadPolicy(buildWasm(unique, this.regoVersion));
    this.policy.setData({});
  }

  async evaluate(requests: readonly EngineRequest[]): Promise<Decision[]> {
    return requests.map((r) => this.evaluateOne(r.pod, r.target));
  }

  private evaluateOne(pod: unknown, target: LevelVersion): Decision {
    if (!this.policy) throw new Error(`${this.id}: prepare() first`);
    const input = { review: { object: pod, operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' } }, parameters: {} };
    const result = this.policy.evaluate(input, entrypoint(target)) as { result: Violation[] }[];
    const violations = inUpstreamOrder((result[0]?.result ?? []).map((v) => ({ check: v.details.check, msg: withoutPrefix(v.msg, target) })));
    return {
      allowed: violations.length === 0,
      checks: violations.map((v) => v.check),
      message: violations.map((v) => v.msg).join(', '),
      parts: violations.map((v) => v.msg),
    };
  }
}
