// The PSA configuration reader: PodSecurityConfiguration: load, default, complete, validate.
import { LEVELS } from '../model/types.js';
import type { Level } from '../model/types.js';
import { DEFAULT_FIELDS, UpstreamError } from './common.js';
import type { ModeDefault, PsaConfiguration } from './common.js';
import { PSA_SCHEME, decode } from './decode.js';
import { goQuote } from './goFormat.js';
import { JArray, JObject } from './json.js';
import type { JValue } from './json.js';

export interface RawConfig {
  defaults: Record<(typeof DEFAULT_FIELDS)[number], string>;
  exemptions: { namespaces: string[]; usernames: string[]; runtimeClasses: string[] };
}

/** load.LoadFromData: empty data is the default configuration; otherwise decode with PSA's scheme (defaulted) */
export function loadFromData(text: string): RawConfig {
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

export function defaultRaw(): RawConfig {
  const raw: RawConfig = {
    defaults: Object.fromEntries(DEFAULT_FIELDS.map((f) => [f, ''])) as RawConfig['defaults'],
    exemptions: { namespaces: [], usernames: [], runtimeClasses: [] },
  };
  applyDefaults(raw);
  return raw;
}

/** SetDefaults_PodSecurityDefaults (the same in v1, v1beta1, v1alpha1) */
export function applyDefaults(raw: RawConfig): void {
  for (const f of DEFAULT_FIELDS) {
    if (raw.defaults[f] === '') raw.defaults[f] = f.endsWith('-version') ? 'latest' : 'privileged';
  }
}

export function complete(raw: RawConfig): PsaConfiguration {
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

export const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;
export const GO_MAX_INT = 9223372036854775807n;

/** api.ParseVersion: "latest" or v1.N, N without leading zeros and fitting Go's int */
export function versionError(version: string): string | undefined {
  if (version === 'latest') return undefined;
  const match = VERSION_RE.exec(version);
  if (!match || BigInt(match[1]!) > GO_MAX_INT) return 'must be "latest" or "v1.x"';
  return undefined;
}

export function levelError(level: string): string | undefined {
  return (LEVELS as readonly string[]).includes(level) ? undefined : `must be one of ${LEVELS.join(', ')}`;
}

/** Admission.CompleteConfiguration (ToPolicy), then ValidateConfiguration (validation.ValidatePodSecurityConfiguration) */
export function completeAndValidate(raw: RawConfig, completePrefix: string, validatePrefix: string): PsaConfiguration {
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
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

export const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
export const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
export const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
export const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** validation.IsDNS1123Label (ValidateNamespaceName) */
export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    if (DNS1123_SUBDOMAIN.test(value)) errs.push('must not contain dots');
    else errs.push(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL_FMT}')`);
  }
  return errs;
}

/** validation.IsDNS1123Subdomain (NameIsDNSSubdomain) */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`);
  }
  return errs;
}
