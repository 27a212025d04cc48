// Policy versions as upstream parses them: "latest" or v1.N (no leading zeros).

export interface PolicyVersion {
  /** the label as given; upstream prints this, never the clamped version */
  label: string;
  /** minor of v1.N, or undefined for latest */
  minor: number | undefined;
}

/**
 * Versions upstream parses: "latest", or v1.N whose N fits Go's int (strconv.Atoi
 * on 64 bits); N has no leading zeros. A minor above the newest check revision
 * evaluates the newest rules, and is printed as given.
 */
export const VERSION_PATTERN = '^v1\\.(0|[1-9][0-9]*)$';
export const MAX_MINOR = '9223372036854775807';

/** Whether a v1.N text (already matching VERSION_PATTERN) has a minor Go's Atoi accepts. */
export const minorFits = (digits: string): boolean =>
  digits.length < MAX_MINOR.length || (digits.length === MAX_MINOR.length && digits <= MAX_MINOR);

/** The version label of the newest rules, whatever they are */
export const LATEST = 'latest';

const VERSION_RE = new RegExp(VERSION_PATTERN);

export class VersionError extends Error {}

/** Whether upstream's ParseVersion accepts the text (a namespace's version label, say). */
export function isVersion(text: unknown): text is string {
  if (text === LATEST) return true;
  const match = typeof text === 'string' ? VERSION_RE.exec(text) : null;
  return match !== null && minorFits(match[1]!);
}

export function parseVersion(text: string): PolicyVersion {
  if (!isVersion(text)) throw new VersionError(`invalid version "${text}": must be "latest" or "v1.N" (e.g. v1.30)`);
  // the minor is only compared with the newest revision, so a huge one may round
  return { label: text, minor: text === LATEST ? undefined : Number(text.slice(text.indexOf('.') + 1)) };
}

/** The minor whose rules apply: versions newer than the newest revision use it. */
export function clampMinor(version: PolicyVersion, newestMinor: number): number {
  return version.minor === undefined ? newestMinor : Math.min(version.minor, newestMinor);
}

export const versionLabel = (minor: number): string => `v1.${minor}`;
