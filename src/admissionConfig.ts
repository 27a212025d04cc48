// Reads a cluster's Pod Security Admission configuration exactly as the servers
// that read it do (pss-semantics §8.2, §8.3), so that the defaults and exemptions
// compiled into policies are the ones the cluster runs with, and every file they
// would refuse is refused here too, with upstream's reason.
//
// Two kinds of file, told apart by the apiVersion group:
//  - pod-security.admission.config.k8s.io/{v1,v1beta1,v1alpha1} PodSecurityConfiguration:
//    read as the pod-security webhook reads its --config (load.LoadFromFile, then
//    "configuration error: "/"invalid configuration: " around CompleteConfiguration
//    and ValidateConfiguration; k8s.io/pod-security-admission cmd/webhook/server).
//  - anything else: read as kube-apiserver reads --admission-control-config-file
//    (k8s.io/apiserver/pkg/admission ReadAdmissionConfiguration with the config scheme
//    of pkg/server/options: AdmissionConfiguration apiserver.config.k8s.io/v1 and
//    apiserver.k8s.io/v1alpha1), then ConfigFor("PodSecurity") and the in-tree plugin
//    (load.LoadFromReader, then "PodSecurity configuration error: "/"PodSecurity
//    invalid: "). No PodSecurity entry, or one with neither configuration nor path,
//    or a path: naming an empty file, all mean upstream's default configuration.
//
// Decoding follows apimachinery's strict UniversalDecoder: a file whose first
// non-space character is `{` is JSON (duplicate keys are strict errors), anything
// else is YAML converted to JSON as sigs.k8s.io/yaml does with go-yaml v2 (YAML 1.1
// scalars: yes/no/on/off are booleans; keys end up sorted; duplicate keys are strict
// errors with go-yaml's line); then the kind is looked up, the object is decoded
// case-sensitively (the first type mismatch is fatal; unknown and duplicate fields
// are collected as one "strict decoding error") and defaulted.
//
// Errors are InputError with one line: `<path>: <upstream's error>`, upstream's
// newlines folded into spaces. Two classes carry our parser's wording after
// upstream's prefix: YAML syntax errors (`yaml: ...`) and JSON syntax errors
// (`couldn't get version/kind; json parse error: ...`).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { GO_QUOTE_ESCAPES } from './model/goQuote.js';
import { LEVELS } from './model/types.js';
import type { Level } from './model/types.js';
import { InputError } from './options.js';

export interface ModeDefault {
  level: Level;
  /** as written: "latest" or "v1.N" */
  version: string;
}

export interface PsaConfiguration {
  defaults: { enforce: ModeDefault; warn: ModeDefault; audit: ModeDefault };
  exemptions: { namespaces: string[]; usernames: string[]; runtimeClasses: string[] };
}

/** Reads a PodSecurityConfiguration or an AdmissionConfiguration file; throws InputError (from ./options.js) with ONE line on anything upstream rejects. */
export function loadAdmissionConfig(path: string): PsaConfiguration {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    // ReadAdmissionConfiguration: the file is always read there first
    throw fail(path, `unable to read admission control configuration from ${goQuote(path)} [${goPathError(err, path)}]`);
  }
  return parseAdmissionConfig(data.toString('utf8'), path);
}

/** Same, from text already read; `path` is used for messages and to resolve a relative plugin `path:`. */
export function parseAdmissionConfig(text: string, path: string): PsaConfiguration {
  try {
    return isPodSecurityConfiguration(text) ? readWebhookConfig(text) : readApiserverConfig(text, path);
  } catch (err) {
    if (err instanceof UpstreamError) throw fail(path, err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// the two readers

const PSA_GROUP = 'pod-security.admission.config.k8s.io';
const PSA_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'];
const POD_SECURITY = 'PodSecurity';

class UpstreamError extends Error {}

function fail(path: string, message: string): InputError {
  return new InputError(`${path}: ${message.replace(/\s*\n\s*/g, ' ')}`);
}

/** the oracle's and our dispatch: does the file say it is in PSA's config group? */
function isPodSecurityConfiguration(text: string): boolean {
  let value: JValue;
  try {
    value = toJson(text);
  } catch {
    return false;
  }
  if (!(value instanceof JObject)) return false;
  const apiVersion = lookupFold(value, 'apiVersion');
  return typeof apiVersion === 'string' && apiVersion.startsWith(`${PSA_GROUP}/`);
}

/** pod-security webhook: load.LoadFromFile, CompleteConfiguration, ValidateConfiguration */
function readWebhookConfig(text: string): PsaConfiguration {
  const raw = loadFromData(text);
  return completeAndValidate(raw, 'configuration error: ', 'invalid configuration: ');
}

/** kube-apiserver: ReadAdmissionConfiguration, ConfigFor("PodSecurity"), the in-tree plugin */
function readApiserverConfig(text: string, path: string): PsaConfiguration {
  let decoded: Decoded;
  try {
    decoded = decode(text, APISERVER_SCHEME);
  } catch (err) {
    // legacy unversioned ImagePolicyWebhook / PodNodeSelector files: PodSecurity gets no config
    if (err instanceof KindError && isLegacyFile(text)) return complete(defaultRaw());
    throw err;
  }
  if (decoded.kind !== 'AdmissionConfiguration') {
    throw new UpstreamError(`unexpected type: *apiserver.${decoded.kind === 'EncryptionConfig' ? 'EncryptionConfiguration' : decoded.kind}`);
  }
  let pluginText: string | undefined;
  const plugins = decoded.object.get('plugins');
  for (const plugin of plugins instanceof JArray ? plugins.items : []) {
    if (!(plugin instanceof JObject) || plugin.get('name') !== POD_SECURITY) continue;
    const configuration = plugin.get('configuration');
    const pluginPath = plugin.get('path');
    if (configuration !== undefined && configuration !== null) {
      pluginText = configuration instanceof JRaw ? configuration.raw : compactJson(configuration);
    } else if (typeof pluginPath === 'string' && pluginPath !== '') {
      // ReadAdmissionConfiguration: makeAbs(path, path.Dir(configFile)); then
      // GetAdmissionPluginConfigurationFor reads it or klog.Fatalf's
      const abs = isAbsolute(pluginPath) ? pluginPath : resolve(dirname(path), pluginPath);
      try {
        pluginText = readFileSync(abs).toString('utf8');
      } catch (err) {
        throw new UpstreamError(`Couldn't open admission plugin configuration ${abs}: ${goPathErrorGoSyntax(err, abs)}`);
      }
    }
    break;
  }
  const raw = pluginText === undefined ? defaultRaw() : loadFromData(pluginText);
  return completeAndValidate(raw, 'PodSecurity configuration error: ', 'PodSecurity invalid: ');
}

function isLegacyFile(text: string): boolean {
  let value: JValue;
  try {
    value = toJson(text, false);
  } catch {
    return false;
  }
  return value instanceof JObject && (value.has('imagePolicy') || value.has('podNodeSelectorPluginConfig'));
}

// ---------------------------------------------------------------------------
// PodSecurityConfiguration: load, default, complete, validate

interface RawConfig {
  defaults: Record<(typeof DEFAULT_FIELDS)[number], string>;
  exemptions: { namespaces: string[]; usernames: string[]; runtimeClasses: string[] };
}

const DEFAULT_FIELDS = ['enforce', 'enforce-version', 'audit', 'audit-version', 'warn', 'warn-version'] as const;

/** load.LoadFromData: empty data is the default configuration; otherwise decode with PSA's scheme (defaulted) */
function loadFromData(text: string): RawConfig {
  if (text.length === 0) return defaultRaw();
  const { object, internal: isInternal } = decode(text, PSA_SCHEME);
  const defaults = object.get('defaults');
  const exemptions = object.get('exemptions');
  const str = (o: JValue | undefined, key: string): string => {
    const v = o instanceof JObject ? o.get(key) : undefined;
    return typeof v === 'string' ? v : '';
  };
  const list = (key: string): string[] => {
    const v = exemptions instanceof JObject ? exemptions.get(key) : undefined;
    return v instanceof JArray ? v.items.map((item) => (typeof item === 'string' ? item : '')) : [];
  };
  const raw: RawConfig = {
    defaults: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f, str(defaults, f)])) as RawConfig['defaults'],
    exemptions: { namespaces: list('namespaces'), usernames: list('usernames'), runtimeClasses: list('runtimeClasses') },
  };
  if (!isInternal) applyDefaults(raw);
  return raw;
}

function defaultRaw(): RawConfig {
  const raw: RawConfig = {
    defaults: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f, ''])) as RawConfig['defaults'],
    exemptions: { namespaces: [], usernames: [], runtimeClasses: [] },
  };
  applyDefaults(raw);
  return raw;
}

/** SetDefaults_PodSecurityDefaults (the same in v1, v1beta1, v1alpha1) */
function applyDefaults(raw: RawConfig): void {
  for (const f of DEFAULT_FIELDS) {
    if (raw.defaults[f] === '') raw.defaults[f] = f.endsWith('-version') ? 'latest' : 'privileged';
  }
}

function complete(raw: RawConfig): PsaConfiguration {
  const mode = (m: 'enforce' | 'warn' | 'audit'): ModeDefault => ({
    level: raw.defaults[m] as Level,
    version: raw.defaults[`${m}-version`],
  });
  return {
    defaults: { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') },
    exemptions: {
      namespaces: [...raw.exemptions.namespaces],
      usernames: [...raw.exemptions.usernames],
      runtimeClasses: [...raw.exemptions.runtimeClasses],
    },
  };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;
const GO_MAX_INT = 9223372036854775807n;

/** api.ParseVersion: "latest" or v1.N, N without leading zeros and fitting Go's int */
function versionError(version: string): string | undefined {
  if (version === 'latest') return undefined;
  const match = VERSION_RE.exec(version);
  if (!match || BigInt(match[1]!) > GO_MAX_INT) return 'must be "latest" or "v1.x"';
  return undefined;
}

function levelError(level: string): string | undefined {
  return (LEVELS as readonly string[]).includes(level) ? undefined : `must be one of ${LEVELS.join(', ')}`;
}

/** Admission.CompleteConfiguration (ToPolicy), then ValidateConfiguration (validation.ValidatePodSecurityConfiguration) */
function completeAndValidate(raw: RawConfig, completePrefix: string, validatePrefix: string): PsaConfiguration {
  // ToPolicy: enforce, enforce-version, audit, audit-version, warn, warn-version ("required" only
  // for the undefaulted internal version)
  const policyErrors: string[] = [];
  for (const f of DEFAULT_FIELDS) {
    const value = raw.defaults[f];
    const problem = value === '' ? 'required' : f.endsWith('-version') ? versionError(value) : levelError(value);
    if (problem) policyErrors.push(`${f}: ${problem}`);
  }
  if (policyErrors.length > 0) throw new UpstreamError(completePrefix + aggregate(policyErrors));

  // ValidatePodSecurityConfiguration: levels and versions again (already fine), then exemptions
  const errors: string[] = [];
  const check = (field: string, values: string[], problem: (v: string) => string[]): void => {
    const seen = new Set<string>();
    values.forEach((value, i) => {
      const path = `exemptions.${field}[${i}]`;
      const problems = problem(value);
      if (problems.length > 0) {
        errors.push(`${path}: Invalid value: ${goQuote(value)}: ${problems.join(', ')}`);
      } else if (seen.has(value)) {
        errors.push(`${path}: Duplicate value: ${goQuote(value)}`);
      } else {
        seen.add(value);
      }
    });
  };
  check('namespaces', raw.exemptions.namespaces, dns1123Label);
  check('runtimeClasses', raw.exemptions.runtimeClasses, dns1123Subdomain);
  check('usernames', raw.exemptions.usernames, (u) => (u === '' ? ['username must not be empty'] : []));
  if (errors.length > 0) throw new UpstreamError(validatePrefix + aggregate(errors));
  return complete(raw);
}

/** utilerrors.NewAggregate(...).Error(): one message bare, several de-duplicated in [a, b] */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** validation.IsDNS1123Label (ValidateNamespaceName) */
function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    if (DNS1123_SUBDOMAIN.test(value)) errs.push('must not contain dots');
    else errs.push(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL_FMT}')`);
  }
  return errs;
}

/** validation.IsDNS1123Subdomain (NameIsDNSSubdomain) */
function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`);
  }
  return errs;
}

// ---------------------------------------------------------------------------
// apimachinery's strict universal decoder, for the two schemes involved

/** Go types, for the decoder's messages */
type GoType =
  | { kind: 'string' }
  | { kind: 'slice'; elem: GoType; name: string }
  | { kind: 'struct'; name: string; fields: Record<string, GoType>; canon?: Record<string, string> }
  | { kind: 'unknown' }; // *runtime.Unknown: any JSON value, kept raw; null leaves it nil

const STRING: GoType = { kind: 'string' };

const INTERNAL = '__internal';

/** an internal type: no json tags, so Go's field names (TypeMeta's apiVersion and kind are embedded, tagged) */
function internal(type: GoType): GoType {
  if (type.kind === 'slice') return { ...type, elem: internal(type.elem), name: type.name.replace(/^\[\][a-z0-9]+\./, `[]${type.name.includes('AdmissionPlugin') ? 'apiserver' : 'api'}.`) };
  if (type.kind !== 'struct') return type;
  const goName = (key: string): string => key === 'apiVersion' || key === 'kind' ? key
    : key.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('').replace('Version', 'Version');
  const fields: Record<string, GoType> = {};
  const canon: Record<string, string> = {};
  for (const [key, field] of Object.entries(type.fields)) {
    fields[goName(key)] = internal(field);
    canon[goName(key)] = key;
  }
  const name = type.name.includes('.') ? type.name.replace(/^[a-z0-9]+\./, type.name.includes('AdmissionPlugin') ? 'apiserver.' : 'api.') : type.name;
  return { kind: 'struct', name, fields, canon };
}

function pscType(pkg: string): GoType {
  return {
    kind: 'struct', name: 'PodSecurityConfiguration', fields: {
      apiVersion: STRING, kind: STRING,
      defaults: { kind: 'struct', name: `${pkg}.PodSecurityDefaults`, fields: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f, STRING])) },
      exemptions: {
        kind: 'struct', name: `${pkg}.PodSecurityExemptions`, fields: {
          usernames: { kind: 'slice', elem: STRING, name: '[]string' },
          namespaces: { kind: 'slice', elem: STRING, name: '[]string' },
          runtimeClasses: { kind: 'slice', elem: STRING, name: '[]string' },
        },
      },
    },
  };
}

function admissionConfigurationType(pkg: string): GoType {
  const plugin: GoType = {
    kind: 'struct', name: `${pkg}.AdmissionPluginConfiguration`,
    fields: { name: STRING, path: STRING, configuration: { kind: 'unknown' } },
  };
  return {
    kind: 'struct', name: 'AdmissionConfiguration',
    fields: { apiVersion: STRING, kind: STRING, plugins: { kind: 'slice', elem: plugin, name: `[]${pkg}.AdmissionPluginConfiguration` } },
  };
}

/** registered kinds per "group/version"; a null type is registered but not decodable here */
type Scheme = Record<string, Record<string, GoType | null>>;

const PSA_SCHEME: Scheme = {
  ...Object.fromEntries(PSA_VERSIONS.map((v) => [`${PSA_GROUP}/${v}`, { PodSecurityConfiguration: pscType(v) }])),
  // the internal version decodes too (Go field names, and no defaulting)
  [`${PSA_GROUP}/${INTERNAL}`]: { PodSecurityConfiguration: internal(pscType('api')) },
};

// k8s.io/apiserver/pkg/server/options/admission.go configScheme: apiserver v1alpha1 and v1
const APISERVER_SCHEME: Scheme = {
  'apiserver.k8s.io/v1alpha1': { AdmissionConfiguration: admissionConfigurationType('v1alpha1'), EgressSelectorConfiguration: null },
  'apiserver.config.k8s.io/v1alpha1': { AuthenticationConfiguration: null, AuthorizationConfiguration: null, TracingConfiguration: null },
  'apiserver.config.k8s.io/v1': {
    AdmissionConfiguration: admissionConfigurationType('v1'), AuthenticationConfiguration: null,
    AuthorizationConfiguration: null, EncryptionConfiguration: null, TracingConfiguration: null,
  },
  v1: { EncryptionConfig: null },
  // the internal versions decode too (Go field names)
  [`apiserver.k8s.io/${INTERNAL}`]: { AdmissionConfiguration: internal(admissionConfigurationType('apiserver')), EgressSelectorConfiguration: null },
  [`apiserver.config.k8s.io/${INTERNAL}`]: {
    AdmissionConfiguration: internal(admissionConfigurationType('apiserver')), AuthenticationConfiguration: null,
    AuthorizationConfiguration: null, EncryptionConfiguration: null, EgressSelectorConfiguration: null, TracingConfiguration: null,
  },
};

/** the name runtime.NewScheme() gives both schemes, as upstream prints it */
const SCHEME_NAME = 'pkg/runtime/scheme.go:111';

/** missing or unregistered kind: the errors ReadAdmissionConfiguration's legacy fallback looks at */
class KindError extends UpstreamError {}

interface Decoded {
  kind: string;
  /** with the external (json) field names */
  object: JObject;
  internal: boolean;
}

const FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

function decode(text: string, scheme: Scheme): Decoded {
  const value = toJson(text);
  // SimpleMetaFactory.Interpret: encoding/json into {apiVersion, kind}, case-insensitive keys
  if (!(value instanceof JObject) && value !== null) {
    throw new UpstreamError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(value)} into Go value of type ${FIND_KIND_TYPE}`);
  }
  let apiVersion = '';
  let kind = '';
  if (value instanceof JObject) {
    for (const [key, v] of value.entries) {
      const name = key.toLowerCase() === 'apiversion' ? 'apiVersion' : key.toLowerCase() === 'kind' ? 'kind' : undefined;
      if (name === undefined || v === null) continue;
      if (typeof v !== 'string') {
        throw new UpstreamError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(v)} into Go struct field .${name} of type string`);
      }
      if (name === 'apiVersion') apiVersion = v;
      else kind = v;
    }
  }
  // schema.ParseGroupVersion
  let group = '';
  let version = '';
  if (apiVersion !== '' && apiVersion !== '/') {
    const parts = apiVersion.split('/');
    if (parts.length === 1) version = apiVersion;
    else if (parts.length === 2) [group, version] = parts as [string, string];
    else throw new UpstreamError(`unexpected GroupVersion string: ${apiVersion}`);
  }
  const echo = value instanceof JRawSource ? value.source : text;
  if (kind === '') throw new KindError(`Object 'Kind' is missing in '${echo}'`);
  if (version === '') throw new KindError(`Object 'apiVersion' is missing in '${echo}'`);
  const gv = group === '' ? version : `${group}/${version}`;
  const kinds = Object.hasOwn(scheme, gv) ? scheme[gv] : undefined;
  if (!kinds || !Object.hasOwn(kinds, kind)) {
    throw new KindError(`no kind ${goQuote(kind)} is registered for version ${goQuote(gv)} in scheme ${goQuote(SCHEME_NAME)}`);
  }
  const type = kinds[kind];
  const isInternal = version === INTERNAL;
  if (!type) return { kind, object: new JObject([]), internal: isInternal };
  // kjson.UnmarshalStrict: the first type mismatch is fatal; unknown/duplicate fields are strict errors
  const strict: string[] = [];
  if (value instanceof JObject && value.yamlDuplicates.length > 0) {
    strict.push(`yaml: unmarshal errors:\n  ${value.yamlDuplicates.join('\n  ')}`);
  }
  const typeErrors: string[] = [];
  const object = unmarshal(value, type, '', '', strict, typeErrors);
  if (typeErrors.length > 0) throw new UpstreamError(typeErrors[0]!);
  if (strict.length > 0) throw new UpstreamError(`strict decoding error: ${strict.join(', ')}`);
  return { kind, object: object instanceof JObject ? object : new JObject([]), internal: isInternal };
}

/**
 * Decodes `value` into Go type `type` as encoding/json (sigs.k8s.io/json, case-sensitive) would;
 * returns the value with unknown fields dropped and duplicates resolved (last wins).
 * `fieldPath` is the dotted JSON path without indices (type errors), `strictPath` with them.
 */
function unmarshal(value: JValue, type: GoType, fieldPath: string, strictPath: string, strict: string[], typeErrors: string[], struct = ''): JValue {
  if (value === null) return null;
  const typeError = (goType: string): JValue => {
    typeErrors.push(struct === '' && fieldPath === ''
      ? `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`
      : `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${fieldPath} of type ${goType}`);
    return null;
  };
  switch (type.kind) {
    case 'unknown':
      return value;
    case 'string':
      return typeof value === 'string' ? value : typeError('string');
    case 'slice':
      if (!(value instanceof JArray)) return typeError(type.name);
      return new JArray(value.items.map((item, i) =>
        unmarshal(item, type.elem, fieldPath, `${strictPath}[${i}]`, strict, typeErrors, struct)));
    case 'struct': {
      if (!(value instanceof JObject)) return typeError(type.name);
      const out = new Map<string, JValue>();
      const structName = type.name.replace(/^.*\./, '');
      for (const [key, v] of value.entries) {
        const path = strictPath === '' ? key : `${strictPath}.${key}`;
        const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
        if (!field) {
          strict.push(`unknown field ${goQuote(path)}`);
          continue;
        }
        if (out.has(type.canon?.[key] ?? key)) strict.push(`duplicate field ${goQuote(path)}`);
        const fp = fieldPath === '' ? key : `${fieldPath}.${key}`;
        out.set(type.canon?.[key] ?? key, unmarshal(v, field, fp, path, strict, typeErrors, structName));
      }
      return new JObject([...out]);
    }
  }
}

function jsonKind(value: JValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof JNumber) return 'number';
  if (value instanceof JArray) return 'array';
  return 'object';
}

// ---------------------------------------------------------------------------
// JSON values that keep key order and duplicate keys, as Go's decoder sees them

type JValue = null | boolean | string | JNumber | JArray | JObject;

class JNumber {
  /** Go's name for an infinite or NaN float, which json.Marshal refuses */
  constructor(readonly text: string, readonly special?: '+Inf' | '-Inf' | 'NaN') {}
}

class JArray {
  constructor(readonly items: JValue[]) {}
}

class JObject {
  /** go-yaml strict errors ("line N: key ... already set in map"), on the top-level object */
  yamlDuplicates: string[] = [];
  constructor(readonly entries: [string, JValue][]) {}
  get(key: string): JValue | undefined {
    let found: JValue | undefined;
    for (const [k, v] of this.entries) if (k === key) found = v;
    return found;
  }
  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }
}

/** an object parsed from JSON text, which upstream echoes in "missing kind" errors */
class JRawSource extends JObject {
  constructor(entries: [string, JValue][], readonly source: string) {
    super(entries);
  }
}

/** a *runtime.Unknown decoded from JSON text: upstream hands the raw bytes on */
class JRaw extends JObject {
  constructor(entries: [string, JValue][], readonly raw: string) {
    super(entries);
  }
}

/** Go json.Marshal of a converted YAML value: compact, keys sorted, HTML characters escaped */
function compactJson(value: JValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (value instanceof JNumber) return value.text;
  if (value instanceof JArray) return `[${value.items.map(compactJson).join(',')}]`;
  if (value instanceof JRaw) return value.raw;
  return `{${value.entries.map(([k, v]) => `${compactJson(k)}:${compactJson(v)}`).join(',')}}`;
}

/** apimachinery: JSON if the first non-space character is `{`, else YAML through sigs.k8s.io/yaml */
function toJson(text: string, strictYaml = true): JValue {
  if (/^\s*\{/u.test(text)) return new JsonParser(text).parseDocument();
  return yamlToJson(text, strictYaml);
}

class JsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JValue {
    const value = this.value(true);
    this.space();
    if (this.pos < this.text.length) this.error(`invalid character ${this.charAt()} after top-level value`);
    return value;
  }

  private error(message: string): never {
    throw new UpstreamError(`couldn't get version/kind; json parse error: ${message}`);
  }

  private charAt(): string {
    const c = this.text[this.pos];
    return c === undefined ? 'end of input' : `'${c}'`;
  }

  private space(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private value(top = false): JValue {
    this.space();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      const entries: [string, JValue][] = [];
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
      } else {
        for (;;) {
          this.space();
          if (this.text[this.pos] !== '"') this.error(`invalid character ${this.charAt()} looking for beginning of object key string`);
          const key = this.string();
          this.space();
          if (this.text[this.pos] !== ':') this.error(`invalid character ${this.charAt()} after object key`);
          this.pos++;
          entries.push([key, this.value()]);
          this.space();
          const next = this.text[this.pos++];
          if (next === '}') break;
          if (next !== ',') { this.pos--; this.error(`invalid character ${this.charAt()} after object key:value pair`); }
        }
      }
      const source = this.text.slice(start, this.pos);
      return top ? new JRawSource(entries, source) : new JRaw(entries, source);
    }
    if (c === '[') {
      this.pos++;
      const items: JValue[] = [];
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return new JArray(items);
      }
      for (;;) {
        items.push(this.value());
        this.space();
        const next = this.text[this.pos++];
        if (next === ']') return new JArray(items);
        if (next !== ',') { this.pos--; this.error(`invalid character ${this.charAt()} after array element`); }
      }
    }
    if (c === '"') return this.string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(this.text.slice(this.pos));
    if (!literal) this.error(`invalid character ${this.charAt()} looking for beginning of value`);
    this.pos += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return new JNumber(literal[0]);
  }

  private string(): string {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.text.slice(this.pos));
    if (!match) this.error('invalid string literal');
    this.pos += match[0].length;
    return JSON.parse(match[0]) as string;
  }
}

// go-yaml v2 resolve(): which plain scalars are null, bool, number
const YAML_NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const YAML_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const YAML_SPECIAL_FLOAT = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN']);
const GO_INT = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function resolvePlain(text: string): JValue {
  if (YAML_NULL.has(text)) return null;
  if (YAML_TRUE.has(text)) return true;
  if (YAML_FALSE.has(text)) return false;
  if (YAML_SPECIAL_FLOAT.has(text)) return new JNumber(text, /nan/i.test(text) ? 'NaN' : text.startsWith('-') ? '-Inf' : '+Inf');
  const first = text[0]!;
  if (first === '.') return Number.isFinite(Number(text)) && /^\.[0-9]/.test(text) ? new JNumber(text) : text;
  if (first === '+' || first === '-' || (first >= '0' && first <= '9')) {
    const plain = text.replace(/_/g, '');
    if (GO_INT.test(plain)) return new JNumber(plain);
    if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return new JNumber(plain);
    if (/^-?0b[01]+$/.test(plain)) return new JNumber(plain);
  }
  return text;
}

/** sigs.k8s.io/yaml YAMLToJSON(Strict): go-yaml v2 reads the first document only */
function yamlToJson(text: string, strict: boolean): JValue {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, lineCounter, prettyErrors: false, strict: false });
  const doc = (Array.isArray(docs) ? docs[0] : undefined) as Document.Parsed | undefined;
  if (!doc) return null;
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new UpstreamError(`yaml: line ${line}: ${error.message.split('\n')[0]}`);
  }
  const duplicates: string[] = [];
  const lineOf = (node: YamlNode | null | undefined, fallback: YamlNode | null | undefined): number => {
    const range = node?.range ?? fallback?.range;
    return range ? lineCounter.linePos(range[0]).line : 0;
  };
  const convert = (node: unknown, depth: number): JValue => {
    if (depth > 1000) throw new UpstreamError('yaml: exceeded max depth');
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(doc), depth + 1);
    if (isScalar(node)) {
      const text = String(node.value ?? '');
      if (node.type !== Scalar.PLAIN || node.tag === 'tag:yaml.org,2002:str') return text;
      return resolvePlain(text);
    }
    if (isSeq(node)) return new JArray(node.items.map((item) => convert(item, depth + 1)));
    if (isMap(node)) {
      const out = new Map<string, JValue>();
      const addPair = (keyNode: unknown, valueNode: unknown): void => {
        const key = convert(keyNode, depth + 1);
        if (key === null || key instanceof JArray || key instanceof JObject) {
          throw new UpstreamError(`yaml: unsupported map key: ${compactJson(key)}`);
        }
        const name = key instanceof JNumber
          ? (key.special ? { '+Inf': '.inf', '-Inf': '-.inf', NaN: '.nan' }[key.special] : String(Number(key.text)))
          : String(key);
        if (strict && out.has(name)) {
          duplicates.push(`line ${lineOf(valueNode as YamlNode, keyNode as YamlNode)}: key ${goQuote(name)} already set in map`);
        }
        out.set(name, convert(valueNode, depth + 1));
      };
      for (const pair of node.items) {
        const keyNode = pair.key;
        if (isScalar(keyNode) && keyNode.type === Scalar.PLAIN && keyNode.value === '<<') {
          // merge keys: the merged maps' pairs, in go-yaml v2's order
          const sources = isSeq(pair.value) ? [...pair.value.items].reverse() : [pair.value];
          for (const source of sources) {
            const target = isAlias(source) ? source.resolve(doc) : source;
            if (!isMap(target)) throw new UpstreamError('yaml: map merge requires map or sequence of maps as the value');
            for (const merged of target.items) addPair(merged.key, merged.value);
          }
          continue;
        }
        addPair(keyNode, pair.value);
      }
      const sorted = [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new JObject(sorted);
    }
    return null;
  };
  const value = convert(doc.contents, 0);
  // json.Marshal (keys sorted) stops at the first infinite or NaN float
  const special = firstSpecial(value);
  if (special) throw new UpstreamError(`json: unsupported value: ${special}`);
  // a top-level non-object fails before strict errors are looked at
  if (value instanceof JObject) value.yamlDuplicates = duplicates;
  return value;
}

function firstSpecial(value: JValue): string | undefined {
  if (value instanceof JNumber) return value.special;
  const children = value instanceof JArray ? value.items : value instanceof JObject ? value.entries.map(([, v]) => v) : [];
  for (const child of children) {
    const found = firstSpecial(child);
    if (found) return found;
  }
  return undefined;
}

function lookupFold(object: JObject, name: string): JValue | undefined {
  let found: JValue | undefined;
  for (const [k, v] of object.entries) if (k.toLowerCase() === name.toLowerCase()) found = v;
  return found;
}

// ---------------------------------------------------------------------------
// Go formatting

/** strconv.Quote / %q */
function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else out += GO_QUOTE_ESCAPES.get(ch) ?? ch;
  }
  return `${out}"`;
}

/** Go's syscall.Errno texts for the errors reading a file gives */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EPERM: 'operation not permitted',
};

interface NodeSystemError {
  code?: string;
  errno?: number;
  syscall?: string;
}

/** *fs.PathError as %v: "open <path>: <errno text>" */
function goPathError(err: unknown, path: string): string {
  const e = err as NodeSystemError;
  const text = (e.code && ERRNO_TEXT[e.code]) ?? (err instanceof Error ? err.message : String(err));
  return `${e.syscall ?? 'open'} ${path}: ${text}`;
}

/** *fs.PathError as %#v: &fs.PathError{Op:"open", Path:"<path>", Err:0x2} */
function goPathErrorGoSyntax(err: unknown, path: string): string {
  const e = err as NodeSystemError;
  const errno = typeof e.errno === 'number' ? Math.abs(e.errno) : 0;
  return `&fs.PathError{Op:${goQuote(e.syscall ?? 'open')}, Path:${goQuote(path)}, Err:0x${errno.toString(16)}}`;
}
