// The PSA configuration reader: apimachinery's strict universal decoder, for the two schemes involved.
import { DEFAULT_FIELDS, PSA_GROUP, PSA_VERSIONS, UpstreamError } from './common.js';
import { goQuote } from './goFormat.js';
import { JArray, JNumber, JObject, JRawSource, toJson } from './json.js';
import type { JValue } from './json.js';

/** Go types, for the decoder's messages */
export type GoType =
  | { kind: 'string' }
  | { kind: 'slice'; elem: GoType; name: string }
  | { kind: 'struct'; name: string; fields: Record<string, GoType>; canon?: Record<string, string> }
  | { kind: 'unknown' }; // *runtime.Unknown: any JSON value, kept raw; null leaves it nil

export const STRING: GoType = { kind: 'string' };

export const INTERNAL = '__internal';

/** an internal type: no json tags, so Go's field names (TypeMeta's apiVersion and kind are embedded, tagged) */
export function internal(type: GoType): GoType {
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

export function pscType(pkg: string): GoType {
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

export function admissionConfigurationType(pkg: string): GoType {
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
export type Scheme = Record<string, Record<string, GoType | null>>;

export const PSA_SCHEME: Scheme = {
  ...Object.fromEntries(PSA_VERSIONS.map((v) => [`${PSA_GROUP}/${v}`, { PodSecurityConfiguration: pscType(v) }])),
  // the internal version decodes too (Go field names, and no defaulting)
  [`${PSA_GROUP}/${INTERNAL}`]: { PodSecurityConfiguration: internal(pscType('api')) },
};

// k8s.io/apiserver/pkg/server/options/admission.go configScheme: apiserver v1alpha1 and v1
export const APISERVER_SCHEME: Scheme = {
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
export const SCHEME_NAME = 'pkg/runtime/scheme.go:111';

/** missing or unregistered kind: the errors ReadAdmissionConfiguration's legacy fallback looks at */
export class KindError extends UpstreamError {}

export interface Decoded {
  kind: string;
  /** with the external (json) field names */
  object: JObject;
  internal: boolean;
}

export const FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

export function decode(text: string, scheme: Scheme): Decoded {
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
export function unmarshal(value: JValue, type: GoType, fieldPath: string, strictPath: string, strict: string[], typeErrors: string[], struct = ''): JValue {
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

export function jsonKind(value: JValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof JNumber) return 'number';
  if (value instanceof JArray) return 'array';
  return 'object';
}
