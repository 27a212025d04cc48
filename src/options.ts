// Compiler inputs shared by every target, validated once.
import { createHash } from 'node:crypto';
import { MODES, type Mode } from './model/admission.js';
import type { Level } from './model/types.js';
import { LEVELS } from './model/types.js';
import { LATEST, parseVersion, versionLabel, type PolicyVersion } from './model/version.js';

export const TARGETS = ['gatekeeper', 'vap', 'kyverno'] as const;
export type Target = (typeof TARGETS)[number];
/** --action takes PSA's modes */
export const ACTIONS = MODES;
export type Action = Mode;
export const REGO_VERSIONS = ['v1', 'v0'] as const;
export type RegoVersion = (typeof REGO_VERSIONS)[number];
export const GATEKEEPER_ENGINES = ['both', 'rego', 'cel'] as const;
export type GatekeeperEngine = (typeof GATEKEEPER_ENGINES)[number];
export const KYVERNO_FLAVORS = ['validatingpolicy', 'clusterpolicy'] as const;
export type KyvernoFlavor = (typeof KYVERNO_FLAVORS)[number];

/** One mode's level and version, as a PodSecurityConfiguration's defaults give it. */
export interface ModeSetting {
  level: Level;
  version: PolicyVersion;
}

export interface CompileOptions {
  target: Target;
  /** every mode's level and version; a mode the configuration leaves unset is privileged:latest, as in PSA */
  modes: Record<Mode, ModeSetting>;
  /** prefix of every resource name: one configuration's bundle never collides with another's */
  name: string;
  /** each request's level and version come from its namespace's pod-security.kubernetes.io labels, `modes` being the defaults */
  namespaceLabels: boolean;
  /** label mode: the policy versions (minors; latest as the newest) the bundle has rules for */
  versions: readonly number[] | 'all';
  /** namespaces exempt from the policy: exact names, as PSA's exemptions */
  exemptNamespaces: string[];
  /** requesting users exempt from the policy (exact, as PSA compares them) */
  exemptUsernames: string[];
  /** pod runtime classes exempt from the policy (exact) */
  exemptRuntimeClasses: string[];
  regoVersion: RegoVersion;
  /** oldest Kubernetes minor the CEL targets must run on (1.N) */
  kubeMinor: number;
  /** which code blocks the ConstraintTemplate carries */
  gatekeeperEngine: GatekeeperEngine;
  kyvernoFlavor: KyvernoFlavor;
}

/** Raw option values, from flags or a config file. */
export interface RawOptions {
  target?: string;
  /** shorthand: the level and version of the modes --action names */
  level?: string;
  policyVersion?: string;
  /** comma-separated modes (default enforce) */
  action?: string | string[];
  /** a PodSecurityConfiguration's defaults (enforce, enforce-version, warn, …) */
  defaults?: Record<string, string>;
  /** a PodSecurityConfiguration or AdmissionConfiguration file (the CLI reads it into defaults and exemptions) */
  admissionConfig?: string;
  name?: string;
  namespaceLabels?: boolean;
  /** label mode: "all", or policy versions (comma-separated or a list) */
  versions?: string | string[];
  exemptNamespaces?: string[] | string;
  exemptUsernames?: string[] | string;
  exemptRuntimeClasses?: string[] | string;
  regoVersion?: string;
  kubeVersion?: string;
  gatekeeperEngine?: string;
  kyvernoFlavor?: string;
}

/** Every key RawOptions has: resolveOptions refuses others, so a renamed option cannot be silently ignored. */
export const RAW_OPTION_KEYS = [
  'target', 'level', 'policyVersion', 'action', 'defaults', 'admissionConfig', 'name', 'namespaceLabels', 'versions',
  'exemptNamespaces', 'exemptUsernames', 'exemptRuntimeClasses', 'regoVersion', 'kubeVersion', 'gatekeeperEngine', 'kyvernoFlavor',
] as const satisfies readonly (keyof RawOptions)[];

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is GA from Kubernetes 1.30 */
export const MIN_KUBE_MINOR = 30;

/** Bad input from the user: one line on stderr, exit code 2. */
export class InputError extends Error {}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function oneOf<T extends string>(what: string, value: string | undefined, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  const shown = value === undefined ? 'missing' : `"${value}"`;
  throw new InputError(`${what} ${shown}: must be one of ${allowed.join(', ')}`);
}

/** A flag's comma-separated list or a config file's list, validated item by item; sorted and de-duplicated. */
function nameList(value: string[] | string | undefined, check: (name: string) => string | undefined): string[] {
  const names = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value ?? [];
  for (const name of names) {
    const problem = typeof name === 'string' ? check(name) : 'must be a string';
    if (problem) throw new InputError(problem);
  }
  return [...new Set(names)].sort();
}

const isDnsSubdomain = (name: string): boolean =>
  name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label));

export function resolveOptions(raw: RawOptions): CompileOptions {
  const unknown = Object.keys(raw).find((k) => !(RAW_OPTION_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new Error(`unknown option "${unknown}"`);
  // the same rules as PSA's configuration validation
  const exemptNamespaces = nameList(raw.exemptNamespaces, (ns) =>
    (ns.length > 63 || !DNS_LABEL.test(ns) ? `exempt namespace "${ns}": must be a namespace name (RFC 1123 label)` : undefined));
  const exemptUsernames = nameList(raw.exemptUsernames, (u) => (u === '' ? 'exempt username: must not be empty' : undefined));
  const exemptRuntimeClasses = nameList(raw.exemptRuntimeClasses, (rc) =>
    (isDnsSubdomain(rc) ? undefined : `exempt runtime class "${rc}": must be a runtime class name (RFC 1123 subdomain)`));
  const modes = resolveModes(raw);
  const namespaceLabels = raw.namespaceLabels === true;
  const versions = resolveVersions(raw.versions, namespaceLabels);
  const kube = /^1\.(\d+)$/.exec(raw.kubeVersion ?? `1.${MIN_KUBE_MINOR}`);
  const kubeMinor = kube ? Number(kube[1]) : NaN;
  if (!(kubeMinor >= MIN_KUBE_MINOR && kubeMinor < 100)) {
    throw new InputError(`kube version "${raw.kubeVersion}": must be 1.${MIN_KUBE_MINOR} or newer, as 1.N`);
  }
  return {
    kubeMinor,
    target: oneOf('target', raw.target, TARGETS),
    modes,
    name: raw.name === undefined
      ? defaultName(modes, [exemptNamespaces, exemptUsernames, exemptRuntimeClasses], namespaceLabels ? versions : undefined)
      : checkName(raw.name),
    namespaceLabels,
    versions,
    exemptNamespaces,
    exemptUsernames,
    exemptRuntimeClasses,
    regoVersion: oneOf('rego version', raw.regoVersion, REGO_VERSIONS, 'v1'),
    gatekeeperEngine: oneOf('gatekeeper engine', raw.gatekeeperEngine, GATEKEEPER_ENGINES, 'both'),
    kyvernoFlavor: oneOf('kyverno flavor', raw.kyvernoFlavor, KYVERNO_FLAVORS, 'validatingpolicy'),
  };
}

function version(text: string | undefined, what: string): PolicyVersion {
  try {
    return parseVersion(text ?? LATEST);
  } catch (e) {
    throw new InputError(what === 'version' ? (e as Error).message : `${what}: ${(e as Error).message}`);
  }
}

/** --versions: "all" (the default), or the policy versions a label-mode bundle carries */
function resolveVersions(raw: string | string[] | undefined, namespaceLabels: boolean): readonly number[] | 'all' {
  if (raw === undefined) return 'all';
  if (!namespaceLabels) throw new InputError('versions: only a namespace-label bundle (--namespace-labels) carries several versions');
  const list = typeof raw === 'string' ? raw.split(',').map((v) => v.trim()).filter(Boolean) : raw;
  if (list.length === 1 && list[0] === 'all') return 'all';
  if (list.length === 0) throw new InputError('versions: "all" or a list of policy versions (v1.N, latest)');
  const minors = list.map((v) => {
    const parsed = version(v, 'versions');
    return parsed.minor === undefined ? Infinity : parsed.minor;
  });
  return [...new Set(minors)].sort((a, b) => a - b);
}

const PRIVILEGED: ModeSetting = { level: 'privileged', version: { label: LATEST, minor: undefined } };

/** The modes, from PSA-shaped defaults or from the shorthand (--level, --version, --action). */
function resolveModes(raw: RawOptions): Record<Mode, ModeSetting> {
  const modes: Record<Mode, ModeSetting> = { enforce: PRIVILEGED, warn: PRIVILEGED, audit: PRIVILEGED };
  if (raw.defaults !== undefined) {
    const shorthand = (['level', 'policyVersion', 'action'] as const).find((k) => raw[k] !== undefined);
    if (shorthand) throw new InputError(`${shorthand}: cannot be combined with a PSA configuration's defaults (--admission-config or defaults)`);
    for (const mode of MODES) {
      modes[mode] = {
        level: oneOf(`defaults.${mode}`, raw.defaults[mode], LEVELS, 'privileged'),
        version: version(raw.defaults[`${mode}-version`], `defaults.${mode}-version`),
      };
    }
    return modes;
  }
  const level = oneOf('level', raw.level, LEVELS);
  const actions = typeof raw.action === 'string' ? raw.action.split(',').map((a) => a.trim()) : raw.action ?? ['enforce'];
  if (actions.length === 0) throw new InputError('action: at least one of enforce, warn, audit');
  for (const action of actions) modes[oneOf('action', action, ACTIONS)] = { level, version: version(raw.policyVersion, 'version') };
  return modes;
}

export const NAME_PATTERN = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new InputError(`name "${name}": must be 1-40 lower-case letters, digits and '-', starting with a letter`);
  return name;
}

/**
 * pod-security-<digest of the modes and exemptions>: two bundles of different
 * configurations never share a resource name, so they compose in one kustomization.
 */
function defaultName(modes: Record<Mode, ModeSetting>, exemptions: string[][], labelVersions?: readonly number[] | 'all'): string {
  const fields: unknown[] = [MODES.map((m) => `${modes[m].level}:${modes[m].version.label}`), exemptions];
  if (labelVersions !== undefined) fields.push({ namespaceLabels: labelVersions === 'all' ? 'all' : labelVersions.map(String) });
  const canonical = JSON.stringify(fields);
  return `pod-security-${createHash('sha256').update(canonical).digest('hex').slice(0, 8)}`;
}

/** A PodSecurityConfiguration's defaults map (enforce, enforce-version, …) from each mode's level and version text. */
export function defaultsOf(setting: (m: Mode) => { level: string; version: string }): Record<string, string> {
  return Object.fromEntries(MODES.flatMap((m) => [[m, setting(m).level], [`${m}-version`, setting(m).version]]));
}

/** The bundle entry that resolves to exactly these options: what a bundle directory records. */
export function recordedOptions(o: CompileOptions): RawOptions {
  const defaults = defaultsOf((m) => ({ level: o.modes[m].level, version: o.modes[m].version.label }));
  const cel = o.target !== 'gatekeeper' || o.gatekeeperEngine !== 'rego';
  return {
    target: o.target,
    name: o.name,
    defaults,
    ...(o.namespaceLabels ? {
      namespaceLabels: true,
      versions: o.versions === 'all' ? 'all' : o.versions.map((m) => (m === Infinity ? LATEST : versionLabel(m))),
    } : {}),
    exemptNamespaces: o.exemptNamespaces,
    exemptUsernames: o.exemptUsernames,
    exemptRuntimeClasses: o.exemptRuntimeClasses,
    ...(o.target === 'gatekeeper' ? { gatekeeperEngine: o.gatekeeperEngine, regoVersion: o.regoVersion } : {}),
    ...(o.target === 'kyverno' ? { kyvernoFlavor: o.kyvernoFlavor } : {}),
    ...(cel ? { kubeVersion: `1.${o.kubeMinor}` } : {}),
  };
}
