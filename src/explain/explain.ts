// explain and diff data, read from the registry: which revision of which check
// is in force, and what its rule restricts.
import { CHECK_ORDER, overridingCheck, profile, revisionAt } from '../model/registry.js';
import { CONTAINER_LISTS } from '../model/pod.js';
import type { Check, Level, Revision } from '../model/types.js';
import { versionLabel, type PolicyVersion } from '../model/version.js';
import { anchorBase, render } from './locate.js';
import { constantReason, describeExemption, describeRule } from './describe.js';
import { diffCheck } from './compare.js';
import type { CheckExplanation, Explanation, VersionDiff } from './types.js';

const byId = new Map(CHECK_ORDER.map((c) => [c.id, c]));

export function explainCheck(check: Check, revision: Revision): CheckExplanation {
  const reason = constantReason(revision.rule.reason);
  const exempt = describeExemption(revision.rule);
  // keys in a fixed order, absent rather than undefined, so JSON output is stable
  return {
    id: check.id,
    level: check.level,
    since: versionLabel(revision.since),
    ...(reason !== undefined ? { reason } : {}),
    ...(revision.overrides?.length ? { overrides: [...revision.overrides] } : {}),
    ...(exempt !== undefined ? { exemptIf: exempt } : {}),
    ...describeRule(revision.rule),
  };
}

/** The checks a level runs at a version, with their revisions, in evaluation order. */
function active(level: Level, version: PolicyVersion): { minor: number; checks: { check: Check; revision: Revision }[] } {
  const p = profile(level, version);
  const checks = p.rules.map((rule) => {
    const check = byId.get(rule.check)!;
    return { check, revision: revisionAt(check, p.minor)! };
  });
  return { minor: p.minor, checks };
}

/** Baseline checks in force at a minor that a restricted check replaces there (only the restricted level runs those). */
function overridden(level: Level, minor: number): { check: string; by: string }[] {
  if (level !== 'restricted') return [];
  return CHECK_ORDER.flatMap((c) => {
    const by = revisionAt(c, minor) && overridingCheck(c.id, minor);
    return by ? [{ check: c.id, by }] : [];
  });
}

export function explain(level: Level, version: PolicyVersion): Explanation {
  const { minor, checks } = active(level, version);
  return {
    level,
    version: version.label,
    evaluates: versionLabel(minor),
    containerPath: render(anchorBase('containers')),
    containerLists: CONTAINER_LISTS.map((list) => render(anchorBase('spec')) + `.${list}[*]`),
    checks: checks.map(({ check, revision }) => explainCheck(check, revision)),
    overridden: overridden(level, minor),
  };
}

export function diffVersions(level: Level, from: PolicyVersion, to: PolicyVersion): VersionDiff {
  const a = active(level, from);
  const b = active(level, to);
  const before = new Map(a.checks.map((x) => [x.check.id, x.revision]));
  const after = new Map(b.checks.map((x) => [x.check.id, x.revision]));
  const diff: VersionDiff = {
    level,
    from: from.label,
    to: to.label,
    fromEvaluates: versionLabel(a.minor),
    toEvaluates: versionLabel(b.minor),
    added: [],
    removed: [],
    changed: [],
  };
  // CHECK_ORDER keeps every list in upstream evaluation order
  for (const check of CHECK_ORDER) {
    const was = before.get(check.id);
    const is = after.get(check.id);
    if (is && !was) diff.added.push(explainCheck(check, is));
    if (was && !is) {
      const by = overridingCheck(check.id, b.minor);
      diff.removed.push({ id: check.id, level: check.level, since: versionLabel(was.since), ...(by && level === 'restricted' ? { overriddenBy: by } : {}) });
    }
    if (was && is && was !== is) diff.changed.push(diffCheck(explainCheck(check, was), explainCheck(check, is)));
  }
  return diff;
}
