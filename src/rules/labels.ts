// Namespace-label mode: a unit applies, per request, the level and version its
// namespace's pod-security.kubernetes.io labels select. This is the rule
// representation targets lower: how to read a mode's level and version
// (from the model's label facts and the configured defaults), and every check
// revision the bundle carries, with the levels and versions it is in force at.
import type { Mode } from '../model/admission.js';
import {
  INVALID_LEVEL, INVALID_VERSION, WARN_FOLLOWS_STRICTER_ENFORCE,
  levelLabel, versionLabel,
} from '../model/namespaceLabels.js';
import { BOUNDARY_MINORS, CHECK_ORDER, NEWEST_MINOR, profile, revisionAt } from '../model/registry.js';
import { LEVELS, type Level } from '../model/types.js';
import { LATEST, MAX_MINOR, VERSION_PATTERN, versionLabel as minorLabel } from '../model/version.js';
import type { ModeSetting } from '../options.js';
import type { Rule } from './ir.js';

/** The levels that evaluate checks; privileged never does. */
export type EvaluatedLevel = Exclude<Level, 'privileged'>;
export const EVALUATED_LEVELS: readonly EvaluatedLevel[] = LEVELS.filter((l): l is EvaluatedLevel => l !== 'privileged');

/** Per level, the carried epochs (boundary minors) at which a revision is in force. */
export type InForce = Readonly<Record<EvaluatedLevel, readonly number[]>>;

export interface VersionedRule {
  check: string;
  /** the check's carried revisions, oldest first */
  revisions: readonly { rule: Rule; inForce: InForce }[];
}

/** How a mode's level and version are read from the labels, with the configured defaults. */
export interface ModeSelection {
  mode: Mode;
  levelLabel: string;
  versionLabel: string;
  defaultLevel: Level;
  defaultVersion: string;
  /** what a label that is not a level reads as */
  invalidLevel: Level;
  /** warn: with no warn level label, a parsed enforce label at one of these levels is warn's level too (and its version, unless warn's version is labelled) */
  follows?: { enforce: ModeSelection; levels: readonly Level[] };
}

export interface LabelledPolicy {
  selection: ModeSelection;
  /** pod warn: enforce's selection, whose violations silence this unit */
  silencedBy?: ModeSelection;
  /** what a version label that does not parse reads as */
  invalidVersion: string;
  /** the version label of the newest rules */
  latest: string;
  /** RE2 pattern of v1.N, and the largest accepted v1.N (longer texts do not parse) */
  versionPattern: string;
  largestVersion: string;
  /** the text before N in v1.N */
  versionPrefix: string;
  newestMinor: number;
  /** every minor where some check changes, ascending: a version's rules are its epoch's, the newest boundary at or below it */
  epochs: readonly number[];
  /** the epochs this bundle has rules for; a labelled version in another epoch must not pass */
  carried: readonly number[];
  rules: readonly VersionedRule[];
}

const VERSION_PREFIX = minorLabel(0).slice(0, -1);

/** The epoch of a minor: its rules are the epoch's. */
export const epochOf = (minor: number): number => BOUNDARY_MINORS.filter((e) => e <= minor).at(-1)!;

/** Versions as `--versions` names them, to the epochs they need. */
export function carriedEpochs(versions: readonly number[] | 'all'): number[] {
  if (versions === 'all') return [...BOUNDARY_MINORS];
  return [...new Set(versions.map((m) => epochOf(Math.min(m, NEWEST_MINOR))))].sort((a, b) => a - b);
}

/** `v1.19-v1.21`, `v1.37+`: the versions an epoch stands for */
export function epochVersions(epoch: number): string {
  const next = BOUNDARY_MINORS.find((e) => e > epoch);
  if (next === undefined) return `${minorLabel(epoch)}+ (latest)`;
  return next === epoch + 1 ? minorLabel(epoch) : `${minorLabel(epoch)}-${minorLabel(next - 1)}`;
}

/** Each check's revisions at the carried epochs, from the registry's own profiles. */
function versionedRules(carried: readonly number[]): VersionedRule[] {
  const inForce = new Map<string, { rule: Rule; inForce: Record<EvaluatedLevel, number[]> }>();
  for (const epoch of carried) {
    for (const level of EVALUATED_LEVELS) {
      for (const rule of profile(level, { label: minorLabel(epoch), minor: epoch }).rules) {
        const check = CHECK_ORDER.find((c) => c.id === rule.check)!;
        const key = `${rule.check}@${revisionAt(check, epoch)!.since}`;
        if (!inForce.has(key)) inForce.set(key, { rule, inForce: { baseline: [], restricted: [] } });
        inForce.get(key)!.inForce[level].push(epoch);
      }
    }
  }
  return CHECK_ORDER.flatMap((check) => {
    const revisions = check.revisions.flatMap((r) => inForce.get(`${check.id}@${r.since}`) ?? []);
    return revisions.length > 0 ? [{ check: check.id, revisions }] : [];
  });
}

function selection(mode: Mode, defaults: Record<Mode, ModeSetting>): ModeSelection {
  const s: ModeSelection = {
    mode,
    levelLabel: levelLabel(mode),
    versionLabel: versionLabel(mode),
    defaultLevel: defaults[mode].level,
    defaultVersion: defaults[mode].version.label,
    invalidLevel: INVALID_LEVEL[mode],
  };
  if (mode === 'warn' && WARN_FOLLOWS_STRICTER_ENFORCE) {
    // LEVELS runs from least to most strict, as upstream's CompareLevels orders them
    const stricter = LEVELS.slice(LEVELS.indexOf(s.defaultLevel) + 1);
    if (stricter.length > 0) s.follows = { enforce: selection('enforce', defaults), levels: stricter };
  }
  return s;
}

export function labelledPolicy(
  mode: Mode, defaults: Record<Mode, ModeSetting>, versions: readonly number[] | 'all', silenced: boolean,
): LabelledPolicy {
  // the defaults' own versions are always carried: an unlabelled namespace must work
  const fromDefaults = Object.values(defaults).map((d) => d.version.minor ?? NEWEST_MINOR);
  const carried = versions === 'all' ? carriedEpochs('all') : carriedEpochs([...versions, ...fromDefaults]);
  return {
    selection: selection(mode, defaults),
    silencedBy: silenced ? selection('enforce', defaults) : undefined,
    invalidVersion: INVALID_VERSION,
    latest: LATEST,
    versionPattern: VERSION_PATTERN,
    largestVersion: `${VERSION_PREFIX}${MAX_MINOR}`,
    versionPrefix: VERSION_PREFIX,
    newestMinor: NEWEST_MINOR,
    epochs: BOUNDARY_MINORS,
    carried,
    rules: versionedRules(carried),
  };
}

/** Check IDs of a labelled unit's own validations, beside the checks: the namespace must be found, the version carried. */
export const NAMESPACE_NOT_FOUND = 'namespaceNotFound';
export const VERSION_NOT_CARRIED = 'versionNotCarried';
/** Its message, after PSA's prefix, as a check's `reason (detail)`: the detail is the labelled version. */
export const NOT_CARRIED_REASON = 'policy version not carried by this bundle';
