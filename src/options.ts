// Compiler inputs shared by every target, validated once.
import type { Level } from './model/types.js';
import { LEVELS } from './model/types.js';
import { parseVersion, type PolicyVersion } from './model/version.js';

export const TARGETS = ['gatekeeper', 'vap', 'kyverno'] as const;
export type Target = (typeof TARGETS)[number];
export const ACTIONS = ['enforce', 'audit', 'warn'] as const;
export type Action = (typeof ACTIONS)[number];
export const REGO_VERSIONS = ['v1', 'v0'] as const;
export type RegoVersion = (typeof REGO_VERSIONS)[number];
export const GATEKEEPER_ENGINES = ['both', 'rego', 'cel'] as const;
export type GatekeeperEngine = (typeof GATEKEEPER_ENGINES)[number];
export const KYVERNO_FLAVORS = ['validatingpolicy', 'clusterpolicy'] as const;
export type KyvernoFlavor = (typeof KYVERNO_FLAVORS)[number];

export interface CompileOptions {
  target: Target;
  level: Level;
  version: PolicyVersion;
  action: Action;
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
  level?: string;
  version?: string;
  action?: string;
  exemptNamespaces?: string[] | string;
  exemptUsernames?: string[] | string;
  exemptRuntimeClasses?: string[] | string;
  regoVersion?: string;
  kubeVersion?: string;
  gatekeeperEngine?: string;
  kyvernoFlavor?: string;
}

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is GA from Kubernetes 1.30 */
export const MIN_KUBE_MINOR = 30;

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
  // the same rules as PSA's configuration validation
  const exemptNamespaces = nameList(raw.exemptNamespaces, (ns) =>
    (ns.length > 63 || !DNS_LABEL.test(ns) ? `exempt namespace "${ns}": must be a namespace name (RFC 1123 label)` : undefined));
  const exemptUsernames = nameList(raw.exemptUsernames, (u) => (u === '' ? 'exempt username: must not be empty' : undefined));
  const exemptRuntimeClasses = nameList(raw.exemptRuntimeClasses, (rc) =>
    (isDnsSubdomain(rc) ? undefined : `exempt runtime class "${rc}": must be a runtime class name (RFC 1123 subdomain)`));
  let version: PolicyVersion;
  try {
    version = parseVersion(raw.version ?? 'latest');
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const kube = /^1\.(\d+)$/.exec(raw.kubeVersion ?? `1.${MIN_KUBE_MINOR}`);
  const kubeMinor = kube ? Number(kube[1]) : NaN;
  if (!(kubeMinor >= MIN_KUBE_MINOR && kubeMinor < 100)) {
    throw new InputError(`kube version "${raw.kubeVersion}": must be 1.${MIN_KUBE_MINOR} or newer, as 1.N`);
  }
  return {
    kubeMinor,
    target: oneOf('target', raw.target, TARGETS),
    level: oneOf('level', raw.level, LEVELS),
    version,
    action: oneOf('action', raw.action, ACTIONS, 'enforce'),
    exemptNamespaces,
    exemptUsernames,
    exemptRuntimeClasses,
    regoVersion: oneOf('rego version', raw.regoVersion, REGO_VERSIONS, 'v1'),
    gatekeeperEngine: oneOf('gatekeeper engine', raw.gatekeeperEngine, GATEKEEPER_ENGINES, 'both'),
    kyvernoFlavor: oneOf('kyverno flavor', raw.kyvernoFlavor, KYVERNO_FLAVORS, 'validatingpolicy'),
  };
}
