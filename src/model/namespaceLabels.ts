// How Pod Security Admission reads a namespace's labels into the level and
// version of each mode (k8s.io/pod-security-admission api/helpers.go
// PolicyToEvaluate, ParseLevel, ParseVersion). Targets lower this; none restates it.
import type { Mode } from './admission.js';
import type { Level } from './types.js';
import { LATEST } from './version.js';

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

/** `pod-security.kubernetes.io/<mode>` and `…/<mode>-version` */
export const levelLabel = (mode: Mode): string => `${LABEL_PREFIX}${mode}`;
export const versionLabel = (mode: Mode): string => `${LABEL_PREFIX}${mode}-version`;

/**
 * A label that is not a level reads as this level: enforce fails closed,
 * warn and audit fail open.
 */
export const INVALID_LEVEL: Readonly<Record<Mode, Level>> = { enforce: 'restricted', warn: 'privileged', audit: 'privileged' };

/** A version label that does not parse reads as latest. */
export const INVALID_VERSION = LATEST;

/**
 * Warn follows enforce: with no warn level label and an enforce level label
 * that parsed, a stricter enforce level becomes warn's level, and enforce's
 * version becomes warn's unless a warn version label is set.
 */
export const WARN_FOLLOWS_STRICTER_ENFORCE = true;

/**
 * PSA's error when a pod's namespace cannot be read, around the namespace's
 * name: pods are denied (fail closed), workloads let through.
 */
export const NAMESPACE_LOOKUP_FAILED = ['failed to lookup namespace "', '"'] as const;
