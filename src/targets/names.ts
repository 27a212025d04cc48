// Resource names that encode level and version, shared by every target.
import type { CompileOptions } from '../options.js';

const titleCase = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** CamelCase kind, e.g. PodSecurityRestrictedV1Dot30 or PodSecurityBaselineLatest */
export function policyKind(o: Pick<CompileOptions, 'level' | 'version'>): string {
  const version = o.version.minor === undefined ? 'Latest' : `V1Dot${o.version.minor}`;
  return `PodSecurity${titleCase(o.level)}${version}`;
}

/** DNS name, e.g. pod-security-restricted-v1.30, with the action unless it is enforce */
export function policyName(o: Pick<CompileOptions, 'level' | 'version' | 'action'>): string {
  const action = o.action === 'enforce' ? '' : `-${o.action}`;
  return `pod-security-${o.level}-${o.version.label}${action}`;
}

/** "restricted:v1.30", as upstream prints a level and version */
export const levelVersion = (o: Pick<CompileOptions, 'level' | 'version'>): string => `${o.level}:${o.version.label}`;
