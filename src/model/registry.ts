// Derives each level's checks per version the way upstream's registry does.
import type { Rule } from '../rules/ir.js';
import { CHECKS } from './checks/index.js';
import type { Check, Level, Revision } from './types.js';
import { clampMinor, type PolicyVersion } from './version.js';

/** Go's sort order for ASCII identifiers (byte order), independent of locale. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function validate(checks: readonly Check[]): void {
  const levels = new Map(checks.map((c) => [c.id, c.level]));
  if (levels.size !== checks.length) throw new Error('duplicate check id');
  for (const check of checks) {
    if (check.revisions.length === 0) throw new Error(`check ${check.id}: no revisions`);
    check.revisions.forEach((r, i) => {
      if (i > 0 && r.since <= check.revisions[i - 1]!.since) throw new Error(`check ${check.id}: versions must increase`);
      for (const id of r.overrides ?? []) {
        if (check.level !== 'restricted' || levels.get(id) !== 'baseline') {
          throw new Error(`check ${check.id}: only restricted checks may override baseline checks (${id})`);
        }
      }
    });
  }
}

validate(CHECKS);

/** The newest revision of any check: `latest` and newer versions clamp to it. */
export const NEWEST_MINOR = Math.max(...CHECKS.flatMap((c) => c.revisions.map((r) => r.since)));

/** Baseline IDs sorted, then restricted IDs sorted: upstream's evaluation order. */
export const CHECK_ORDER: readonly Check[] = [
  ...CHECKS.filter((c) => c.level === 'baseline').sort((a, b) => byteOrder(a.id, b.id)),
  ...CHECKS.filter((c) => c.level === 'restricted').sort((a, b) => byteOrder(a.id, b.id)),
];

/** The revision of a check in force at a minor, if the check exists there. */
export function revisionAt(check: Check, minor: number): Revision | undefined {
  return check.revisions.filter((r) => r.since <= minor).at(-1);
}

export interface Profile {
  level: Level;
  version: PolicyVersion;
  /** the minor whose rules apply after clamping */
  minor: number;
  rules: Rule[];
}

export function profile(level: Level, version: PolicyVersion): Profile {
  const minor = clampMinor(version, NEWEST_MINOR);
  const active = CHECK_ORDER.flatMap((check) => {
    const revision = revisionAt(check, minor);
    return revision ? [{ check, revision }] : [];
  });
  const overridden = new Set(active.flatMap(({ revision }) => revision.overrides ?? []));
  const inLevel = active.filter(({ check }) =>
    level === 'restricted' ? !overridden.has(check.id) : level === 'baseline' && check.level === 'baseline');
  return {
    level,
    version,
    minor,
    rules: inLevel.map(({ check, revision }) => ({ check: check.id, ...revision.rule })),
  };
}

/** The restricted check that replaces a baseline check at a minor, if any. */
export function overridingCheck(id: string, minor: number): string | undefined {
  return CHECK_ORDER.find((c) => revisionAt(c, minor)?.overrides?.includes(id))?.id;
}

/** `id: summary`, the line generated code puts above a check; other validations (label mode's guards) keep their name */
export function checkTitle(id: string): string {
  const check = CHECKS.find((c) => c.id === id);
  return check ? `${id} (${check.level}): ${check.summary}` : id;
}

/** Every minor from v1.0 to the newest revision. */
export const ALL_MINORS: readonly number[] = Array.from({ length: NEWEST_MINOR + 1 }, (_, i) => i);

/** Minors where some check changes: the versions golden files and docs cover. */
export const BOUNDARY_MINORS: readonly number[] = [...new Set(CHECKS.flatMap((c) => c.revisions.map((r) => r.since)))].sort((a, b) => a - b);
