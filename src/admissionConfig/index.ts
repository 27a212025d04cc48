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
import { InputError } from '../options.js';
import { POD_SECURITY, PSA_GROUP, UpstreamError } from './common.js';
import type { PsaConfiguration } from './common.js';
import { APISERVER_SCHEME, KindError, decode } from './decode.js';
import type { Decoded } from './decode.js';
import { goPathError, goPathErrorGoSyntax, goQuote } from './goFormat.js';
import { JArray, JObject, JRaw, compactJson, lookupFold, toJson } from './json.js';
import type { JValue } from './json.js';
import { complete, completeAndValidate, defaultRaw, loadFromData } from './validate.js';
export type { ModeDefault, PsaConfiguration } from './common.js';

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

// the two readers

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
