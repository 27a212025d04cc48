// The engines `npm run conformance` knows, by id.
import type { Engine } from './engine.js';
import { RegoWasmEngine } from './regoWasm.js';
import { VapEngine } from './vap.js';

export const ENGINE_FACTORIES: Readonly<Record<string, () => Engine>> = {
  'rego-wasm': () => new RegoWasmEngine(),
  vap: () => new VapEngine(),
};
