// The engines `npm run conformance` knows, by id.
import type { Engine } from './engine.js';
import { CheckEngine } from './check.js';
import { GatorEngine } from './gator.js';
import { KyvernoEngine } from './kyverno.js';
import { RegoWasmEngine } from './regoWasm.js';
import { VapEngine } from './vap.js';

export const ENGINE_FACTORIES: Readonly<Record<string, () => Engine>> = {
  'rego-wasm': () => new RegoWasmEngine(),
  'rego-wasm-v0': () => new RegoWasmEngine('v0'),
  vap: () => new VapEngine(),
  'gator-rego': () => new GatorEngine({ mode: 'rego' }),
  'gator-cel': () => new GatorEngine({ mode: 'cel' }),
  'kyverno-vpol': () => new KyvernoEngine({ flavor: 'vpol' }),
  'kyverno-cpol': () => new KyvernoEngine({ flavor: 'cpol' }),
  check: () => new CheckEngine(),
};

/** How far `npm test` takes an engine beyond the whole corpus. */
export interface ReferenceScope {
  /** versions of the reference grid (default: every version) */
  versions?: readonly string[];
  /** also every distinct corpus pod at every level × version (the corpus suite already runs each fixture) */
  corpusPods: boolean;
  /** versions of the fixed-seed fuzz (default: every version boundary and latest) */
  fuzzVersions?: readonly string[];
}

const FULL: ReferenceScope = { corpusPods: true };
/**
 * The Kyverno CLI takes ~0.08 s per pod and policy (it compiles each policy's
 * CEL again for every pod): ClusterPolicies get our fixtures at the boundary
 * versions that matter most, and the fuzz at latest. ValidatingPolicies run in
 * Kyverno's engine compiled once (test/engines/kyverno/vpol), so they get everything.
 */
const KYVERNO_CLI: ReferenceScope = { versions: ['v1.0', 'v1.19', 'v1.25', 'v1.34', 'v1.35', 'latest'], corpusPods: false, fuzzVersions: ['latest'] };

/** How far each engine is taken, by id. */
export const SCOPES: Readonly<Record<string, ReferenceScope>> = {
  'rego-wasm': FULL,
  'rego-wasm-v0': FULL,
  vap: FULL,
  'gator-rego': FULL,
  'gator-cel': FULL,
  'kyverno-vpol': FULL,
  'kyverno-cpol': KYVERNO_CLI,
  check: FULL,
};

/** Engines `npm test` runs the corpus and reference comparisons through (PSS_TEST_ENGINES=a,b narrows them while developing). */
export const TESTED_ENGINES: [string, () => Engine, ReferenceScope][] = Object.entries(SCOPES)
  .filter(([id]) => !process.env.PSS_TEST_ENGINES || process.env.PSS_TEST_ENGINES.split(',').includes(id))
  .map(([id, scope]) => [id, ENGINE_FACTORIES[id]!, scope]);
