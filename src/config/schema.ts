// The config file's JSON Schema: the one source for validation, for the
// schema file shipped to editors (schema/pss-compile.schema.json) and for the
// keys and values error messages suggest.
import { MODES } from '../model/admission.js';
import { LEVELS } from '../model/types.js';
import { LATEST, VERSION_PATTERN } from '../model/version.js';
import { ACTIONS, GATEKEEPER_ENGINES, KYVERNO_FLAVORS, MIN_KUBE_MINOR, NAME_PATTERN, REGO_VERSIONS, TARGETS } from '../options.js';

export const API_VERSION = 'pss-compile.dev/v1alpha1';
export const KINDS = ['Bundle', 'BundleSet'] as const;
export const SCHEMA_FILE = 'schema/pss-compile.schema.json';

const versionText = { type: 'string', pattern: `^(${VERSION_PATTERN.slice(1, -1)}|${LATEST})$`, description: `v1.N or ${LATEST}` };
const KUBE_PATTERN = '^1\\.[0-9]+$';

/** What a value failing a pattern should look like, for error messages. */
export const PATTERN_HINTS: Record<string, string> = {
  [versionText.pattern]: `v1.N or ${LATEST}`,
  [KUBE_PATTERN]: '1.N',
  [NAME_PATTERN.source]: "1-40 lower-case letters, digits and '-', starting with a letter",
};
const names = (description: string) => ({ type: 'array', items: { type: 'string' }, description });

/** One bundle: the same options as the command-line flags, plus where it is written. */
export const BUNDLE_PROPERTIES = {
  target: { enum: [...TARGETS], description: 'policy engine to compile for' },
  level: { enum: [...LEVELS], description: 'shorthand for a configuration: the level of the `action` modes' },
  policyVersion: { ...versionText, description: 'shorthand: the policy version of the `action` modes (v1.N or latest)' },
  action: {
    description: 'shorthand: the PSA modes at `level` (default enforce)',
    anyOf: [
      { enum: [...ACTIONS] },
      { type: 'array', items: { enum: [...ACTIONS] }, minItems: 1, uniqueItems: true },
    ],
  },
  defaults: {
    type: 'object',
    additionalProperties: false,
    description: "a PodSecurityConfiguration's defaults, as PSA reads them",
    properties: Object.fromEntries(MODES.flatMap((m) => [[m, { enum: [...LEVELS] }], [`${m}-version`, versionText]])),
  },
  admissionConfig: { type: 'string', description: 'a PodSecurityConfiguration or AdmissionConfiguration file, relative to this file' },
  name: { type: 'string', pattern: NAME_PATTERN.source, description: 'prefix of every resource name' },
  namespaceLabels: { type: 'boolean', description: "read each namespace's pod-security.kubernetes.io labels, the configuration giving the defaults" },
  versions: {
    description: 'with namespaceLabels: the policy versions the bundle carries (v1.N, latest), or all',
    anyOf: [{ type: 'string' }, { type: 'array', items: versionText, minItems: 1 }],
  },
  exemptNamespaces: names('namespaces the policy does not apply to (exact names)'),
  exemptUsernames: names('requesting users the policy does not apply to (exact)'),
  exemptRuntimeClasses: names('pod runtime classes the policy does not apply to (exact)'),
  regoVersion: { enum: [...REGO_VERSIONS], description: 'Gatekeeper Rego syntax' },
  // YAML reads an unquoted 1.35 as a number: the reader keeps its text
  kubeVersion: { type: ['string', 'number'], pattern: KUBE_PATTERN, description: `oldest Kubernetes version the CEL policies must run on (1.N, default 1.${MIN_KUBE_MINOR})` },
  gatekeeperEngine: { enum: [...GATEKEEPER_ENGINES], description: 'Gatekeeper code blocks' },
  kyvernoFlavor: { enum: [...KYVERNO_FLAVORS], description: 'Kyverno policy kind' },
  out: { type: 'string', description: 'directory (or file.yaml, one stream) to write the bundle to, relative to this file' },
} as const;

const bundle = { type: 'object', additionalProperties: false, properties: BUNDLE_PROPERTIES };

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'pss-compile configuration',
  description: 'One bundle (kind: Bundle) or several written by one run (kind: BundleSet).',
  type: 'object',
  required: ['apiVersion', 'kind'],
  properties: {
    $schema: { type: 'string' },
    apiVersion: { const: API_VERSION },
    kind: { enum: [...KINDS] },
    bundles: { type: 'array', minItems: 1, items: bundle, description: 'kind BundleSet: the bundles, each with its own out' },
    ...BUNDLE_PROPERTIES,
    files: { type: 'array', items: { type: 'string' }, description: "written by pss-compile in a bundle's record: the files it wrote" },
  },
  additionalProperties: false,
  if: { properties: { kind: { const: 'BundleSet' } } },
  then: { required: ['bundles'], propertyNames: { enum: ['$schema', 'apiVersion', 'kind', 'bundles'] } },
  else: { not: { required: ['bundles'] } },
} as const;

/** The schema file's text, as shipped. */
export const schemaText = (): string => `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
