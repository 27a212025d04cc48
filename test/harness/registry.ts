// The engines `npm run conformance` knows, by id.
import type { Engine } from './engine.js';
import { RegoWasmEngine } from './regoWasm.js';

export const ENGINE_FACTORIES: Readonly<Record<string, () => Engine>> = {
  'rego-wasm': () => new RegoWasmEngine(),
};
