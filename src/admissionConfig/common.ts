// What every part of the PSA configuration reader shares: the result, upstream's
// error, and the PodSecurityConfiguration API group.
import type { Level } from '../model/types.js';

export interface ModeDefault {
  level: Level;
  /** as written: "latest" or "v1.N" */
  version: string;
}

export interface PsaConfiguration {
  defaults: { enforce: ModeDefault; warn: ModeDefault; audit: ModeDefault };
  exemptions: { namespaces: string[]; usernames: string[]; runtimeClasses: string[] };
}

/** the keys of a PodSecurityConfiguration's defaults */
export const DEFAULT_FIELDS = ['enforce', 'enforce-version', 'audit', 'audit-version', 'warn', 'warn-version'] as const;

export const PSA_GROUP = 'pod-security.admission.config.k8s.io';
export const PSA_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'];
export const POD_SECURITY = 'PodSecurity';

export class UpstreamError extends Error {}
