// The engines admission cases run through, by id (the same ids as the pod-level engines).
import type { AdmissionEngine } from './outcome.js';
import { RegoWasmAdmissionEngine } from './regoWasm.js';
import { VapAdmissionEngine } from './vap.js';
import { KyvernoAdmissionEngine } from './kyverno.js';
import { GatorAdmissionEngine } from './gator.js';
import { CheckAdmissionEngine } from './check.js';

export const ADMISSION_ENGINES: Readonly<Record<string, () => AdmissionEngine & { firstFailureOnly?: boolean }>> = {
  'rego-wasm': () => new RegoWasmAdmissionEngine(),
  'rego-wasm-v0': () => new RegoWasmAdmissionEngine('v0'),
  vap: () => new VapAdmissionEngine(),
  'gator-rego': () => new GatorAdmissionEngine('rego'),
  'gator-cel': () => new GatorAdmissionEngine('cel'),
  'kyverno-vpol': () => new KyvernoAdmissionEngine('vpol'),
  'kyverno-cpol': () => new KyvernoAdmissionEngine('cpol'),
  check: () => new CheckAdmissionEngine(),
};
