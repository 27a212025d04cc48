// Every generated Gatekeeper and Kyverno document validates against its
// engine's CRD schema from the pinned modules. Fields the schema does not know
// would be pruned silently by the API server, so they count as errors here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { compile } from '../src/compile.js';
import { resolveOptions, type RawOptions } from '../src/options.js';
import { ensureEngines } from './harness/engines.js';

type Schema = Record<string, any>;

/** Closes every object schema that lists its properties, as API server pruning effectively does. */
function closed(schema: Schema): Schema {
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = Array.isArray(schema) ? schema.map(closed) : Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function crdSchema(path: string, version: string): Schema {
  const crd = parse(readFileSync(path, 'utf8'));
  const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
  if (!v) throw new Error(`${path}: no version ${version}`);
  return closed(v.schema.openAPIV3Schema);
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
const docs = (o: RawOptions) => compile(resolveOptions(o)).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Schema));
const VARIANTS: RawOptions[] = ['privileged', 'baseline', 'restricted'].flatMap((level) =>
  ['v1.0', 'v1.19', 'v1.25', 'v1.35', 'latest'].map((policyVersion) => ({ level, policyVersion })));
const OPTIONS: RawOptions[] = [{}, { action: 'warn', exemptNamespaces: ['kube-system'] }, { action: 'audit' }, { action: 'enforce,warn,audit' }];
/** configurations with each mode at its own level: pod and workload units of every mode */
const MIXED: RawOptions[] = [
  { defaults: { enforce: 'baseline', warn: 'restricted', 'warn-version': 'v1.25', audit: 'restricted' }, exemptUsernames: ['ci'], exemptRuntimeClasses: ['kata'] },
  { defaults: { enforce: 'restricted', 'enforce-version': 'v1.0', warn: 'baseline', audit: 'baseline', 'audit-version': 'v1.35' } },
  // namespace-label mode: every version, and some versions (with the version guard)
  { defaults: { enforce: 'baseline', warn: 'restricted', audit: 'restricted' }, namespaceLabels: true },
  { defaults: { enforce: 'restricted' }, namespaceLabels: true, versions: ['v1.25', 'latest'], exemptUsernames: ['ci'] },
];

describe('generated documents against the engines\' CRD schemas', () => {
  const engines = ensureEngines();
  const schemas: Record<string, Schema> = {
    'templates.gatekeeper.sh/v1/ConstraintTemplate':
      crdSchema(join(engines.gatekeeperFrameworkDir, 'config/crds/templates.gatekeeper.sh_constrainttemplates.yaml'), 'v1'),
    'policies.kyverno.io/v1/ValidatingPolicy':
      crdSchema(join(engines.kyvernoModuleDir, 'config/crds/policies.kyverno.io/policies.kyverno.io_validatingpolicies.yaml'), 'v1'),
    'kyverno.io/v1/ClusterPolicy':
      crdSchema(join(engines.kyvernoModuleDir, 'config/crds/kyverno/kyverno.io_clusterpolicies.yaml'), 'v1'),
  };
  const validators = Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, ajv.compile(s)]));

  it.each([
    ['gatekeeper', { target: 'gatekeeper' }],
    ['gatekeeper (rego v0)', { target: 'gatekeeper', regoVersion: 'v0' }],
    ['kyverno validatingpolicy', { target: 'kyverno', kyvernoFlavor: 'validatingpolicy' }],
    ['kyverno clusterpolicy', { target: 'kyverno', kyvernoFlavor: 'clusterpolicy' }],
  ] as [string, RawOptions][])('%s documents validate', (_, base) => {
    const errors: string[] = [];
    let checked = 0;
    const configurations = [...VARIANTS.flatMap((variant) => OPTIONS.map((extra) => ({ ...variant, ...extra }))), ...MIXED];
    for (const configuration of configurations) {
      for (const doc of docs({ ...base, ...configuration })) {
        const validate = validators[`${doc.apiVersion}/${doc.kind}`];
        if (!validate) continue; // Constraints: their CRD is generated from the template
        checked++;
        if (!validate(doc)) errors.push(`${doc.kind} ${doc.metadata.name}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(errors.slice(0, 5)).toEqual([]);
  });

  it('catches an unknown field (the check is live)', () => {
    const [policy] = docs({ target: 'kyverno', level: 'baseline' });
    policy!.spec.validationFailureActoin = 'Deny';
    expect(validators['policies.kyverno.io/v1/ValidatingPolicy']!(policy)).toBe(false);
  });
});
