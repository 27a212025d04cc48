// The engines `npm run conformance` knows, by id.
import type { Engine } from './engine.js';
import { GatorEngine } from './gator.js';
import { KyvernoEngine } from './kyverno.js';
import { RegoWasmEngine } from './regoWasm.js';
import { VapEngine } from './vap.js';

export const ENGINE_FACTORIES: Readonly<Record<string, () => Engine>> = {
  'rego-wasm': () => new RegoWasmEngine(),
  vap: () => new VapEngine(),
  'gator-rego': () => new GatorEngine({ mode: 'rego' }),
  'gator-cel': () => new GatorEngine({ mode: 'cel' }),
  'kyverno-vpol': () => new KyvernoEngine({ flavor: 'vpol' }),
  'kyverno-cpol': () => new KyvernoEngine({ flavor: 'cpol' }),
};

/**
 * Engines `npm test` runs the corpus (every fixture) and reference comparisons
 * through, and the versions of the reference grid for each: the Kyverno CLI
 * takes ~0.1 s per pod and policy, so it gets the boundary versions that matter most.
 */
export const TESTED_ENGINES: [string, () => Engine, readonly string[] | undefined][] = [
  ['rego-wasm', ENGINE_FACTORIES['rego-wasm']!, undefined],
  ['vap', ENGINE_FACTORIES.vap!, undefined],
  ['gator-rego', ENGINE_FACTORIES['gator-rego']!, undefined],
  ['gator-cel', ENGINE_FACTORIES['gator-cel']!, undefined],
  ['kyverno-vpol', ENGINE_FACTORIES['kyverno-vpol']!, ['v1.0', 'v1.19', 'v1.25', 'v1.34', 'v1.35', 'latest']],
  ['kyverno-cpol', ENGINE_FACTORIES['kyverno-cpol']!, ['v1.0', 'v1.19', 'v1.25', 'v1.34', 'v1.35', 'latest']],
];
