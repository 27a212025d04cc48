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

/** Engines `npm test` runs the corpus and reference comparisons through. */
export const TESTED_ENGINES: [string, () => Engine][] = ['rego-wasm', 'vap', 'gator-rego', 'gator-cel'].map((id) => [id, ENGINE_FACTORIES[id]!]);
