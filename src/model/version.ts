// Policy versions as upstream parses them: "latest" or v1.N (no leading zeros).
import { VERSION_PATTERN, minorFits } from './namespaceLabels.js';

export interface PolicyVersion {
  /** the label as given; upstream prints this, never the clamped version */
  label: string;
  /** minor of v1.N, or undefined for latest */
  minor: number | undefined;
}

const VERSION_RE = new RegExp(VERSION_PATTERN);

export class VersionError extends Error {}

export function parseVersion(text: string): PolicyVersion {
  if (text === 'latest') return { label: 'latest', minor: undefined };
  const match = VERSION_RE.exec(text);
  // the minor is only compared with the newest revision, so a huge one may round
  const minor = match && minorFits(match[1]!) ? Number(match[1]) : NaN;
  if (Number.isNaN(minor)) {
    throw new VersionError(`invalid version "${text}": must be "latest" or "v1.N" (e.g. v1.30)`);
  }
  return { label: text, minor };
}

/** The minor whose rules apply: versions newer than the newest revision use it. */
export function clampMinor(version: PolicyVersion, newestMinor: number): number {
  return version.minor === undefined ? newestMinor : Math.min(version.minor, newestMinor);
}

export const versionLabel = (minor: number): string => `v1.${minor}`;
