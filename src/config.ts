// The config file: the same options as the flags, validated against a JSON schema.
import { Ajv } from 'ajv';
import { MODES } from './model/admission.js';
import { ACTIONS, GATEKEEPER_ENGINES, InputError, KYVERNO_FLAVORS, REGO_VERSIONS, TARGETS, type RawOptions } from './options.js';
import { LEVELS } from './model/types.js';

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    target: { enum: [...TARGETS] },
    level: { enum: [...LEVELS] },
    version: { type: 'string' },
    action: {
      anyOf: [
        { enum: [...ACTIONS] },
        { type: 'array', items: { enum: [...ACTIONS] }, minItems: 1, uniqueItems: true },
      ],
    },
    // a PodSecurityConfiguration's defaults, as PSA reads them
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(MODES.flatMap((m) => [[m, { enum: [...LEVELS] }], [`${m}-version`, { type: 'string' }]])),
    },
    // a PodSecurityConfiguration or AdmissionConfiguration file, relative to this config file
    admissionConfig: { type: 'string' },
    name: { type: 'string' },
    // the bundle reads each namespace's pod-security.kubernetes.io labels, the configuration giving the defaults
    namespaceLabels: { type: 'boolean' },
    versions: {
      anyOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'string' }, minItems: 1 },
      ],
    },
    exemptNamespaces: { type: 'array', items: { type: 'string' } },
    exemptUsernames: { type: 'array', items: { type: 'string' } },
    exemptRuntimeClasses: { type: 'array', items: { type: 'string' } },
    regoVersion: { enum: [...REGO_VERSIONS] },
    kubeVersion: { type: 'string', pattern: '^1\\.[0-9]+$' },
    gatekeeperEngine: { enum: [...GATEKEEPER_ENGINES] },
    kyvernoFlavor: { enum: [...KYVERNO_FLAVORS] },
  },
} as const;

const validate = new Ajv({ allErrors: false }).compile(CONFIG_SCHEMA);

export function validateConfig(data: unknown, path: string): RawOptions {
  if (data === null || data === undefined) return {};
  if (!validate(data)) {
    const err = validate.errors?.[0];
    const where = err?.instancePath ? err.instancePath.slice(1) : 'config';
    const extra = err?.params && 'additionalProperty' in err.params ? ` "${String(err.params.additionalProperty)}"` : '';
    throw new InputError(`invalid config ${path}: ${where} ${err?.message ?? 'is invalid'}${extra}`);
  }
  return data as RawOptions;
}
