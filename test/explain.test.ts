import { describe, expect, it } from 'vitest';
import { capabilities_baseline } from '../src/model/checks/capabilities_baseline.js';
import { capabilities_restricted } from '../src/model/checks/capabilities_restricted.js';
import { validSeccomp } from '../src/model/checks/seccomp.js';
import { ALLOWED_VOLUME_SOURCES, CONTAINER_LISTS, windowsPod } from '../src/model/pod.js';
import { ALL_MINORS, BOUNDARY_MINORS, CHECK_ORDER, NEWEST_MINOR, overridingCheck, profile, revisionAt } from '../src/model/registry.js';
import { LEVELS, type Check, type Level } from '../src/model/types.js';
import { LATEST, parseVersion, versionLabel } from '../src/model/version.js';
import { InputError } from '../src/options.js';
import type { Cond, Rule } from '../src/rules/ir.js';
import { diffVersions, explain, formatDiff, formatExplanation, runDiff, runExplain } from '../src/explain/index.js';
import { diffCheck } from '../src/explain/compare.js';
import { explainCheck } from '../src/explain/explain.js';
import type { Constraint, Explanation } from '../src/explain/types.js';

const latest = parseVersion(LATEST);
const v = (minor: number) => parseVersion(versionLabel(minor));
const byId = (id: string): Check => CHECK_ORDER.find((c) => c.id === id)!;
const check = (e: Explanation, id: string) => e.checks.find((c) => c.id === id)!;
const where = (cs: Constraint[], field: string) => cs.filter((c) => c.field === field);

/** every value list of an `in` condition anywhere in a rule (the model's own data, not a copy) */
function inValues(rule: Omit<Rule, 'check'>): string[][] {
  const found: string[][] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      if ((x as Cond).op === 'in') found.push([...(x as Extract<Cond, { op: 'in' }>).values]);
      Object.values(x).forEach(walk);
    }
  };
  walk(rule);
  return found;
}

describe('explain', () => {
  it('lists exactly the profile\'s checks, in order, with the revision in force, at every level and version', () => {
    for (const level of LEVELS) {
      for (const minor of ALL_MINORS) {
        const e = explain(level, v(minor));
        expect(e.checks.map((c) => c.id)).toEqual(profile(level, v(minor)).rules.map((r) => r.check));
        for (const c of e.checks) expect(c.since).toBe(versionLabel(revisionAt(byId(c.id), minor)!.since));
      }
    }
    const e = explain('restricted', latest);
    expect(e.checks.map((c) => c.id)).toEqual(profile('restricted', latest).rules.map((r) => r.check));
    expect(e.evaluates).toBe(versionLabel(NEWEST_MINOR));
    expect(e.version).toBe(LATEST);
  });

  it('names the baseline checks restricted replaces, none of which run', () => {
    for (const minor of BOUNDARY_MINORS) {
      const e = explain('restricted', v(minor));
      const expected = CHECK_ORDER.filter((c) => c.level === 'baseline' && revisionAt(c, minor) && overridingCheck(c.id, minor))
        .map((c) => ({ check: c.id, by: overridingCheck(c.id, minor)! }));
      expect(e.overridden).toEqual(expected);
      for (const { check: id, by } of e.overridden) {
        expect(e.checks.map((c) => c.id)).not.toContain(id);
        expect(check(e, by).overrides).toContain(id);
      }
      expect(explain('baseline', v(minor)).overridden).toEqual([]);
    }
  });

  it('gives every check fields and value-set constraints, each field restricted', () => {
    for (const check of CHECK_ORDER) {
      for (const revision of check.revisions) {
        const x = explainCheck(check, revision);
        expect(x.fields.length, check.id).toBeGreaterThan(0);
        expect(new Set(x.constraints.map((c) => c.field))).toEqual(new Set(x.fields));
        // the generic walk finds a value-set form for every condition of today's model
        for (const c of x.constraints) expect(c.must, `${check.id} ${c.field}`).toBeUndefined();
      }
    }
  });

  it('sees every revision change of every check', () => {
    for (const check of CHECK_ORDER) {
      check.revisions.slice(1).forEach((r, i) => {
        const d = diffCheck(explainCheck(check, check.revisions[i]!), explainCheck(check, r));
        const { id, level, fromSince, toSince, ...rest } = d;
        const empty = { fieldsAdded: [], fieldsRemoved: [], constraintsAdded: [], constraintsRemoved: [], constraintsChanged: [] };
        expect(rest, `${id} at ${toSince}`).not.toEqual(empty);
      });
    }
  });

  it('writes container fields once for every container list', () => {
    const e = explain('baseline', latest);
    expect(e.containerLists).toEqual(CONTAINER_LISTS.map((l) => `spec.${l}[*]`));
    expect(e.containerLists).toContain(e.containerPath);
    expect(check(e, 'privileged').fields.every((f) => f.startsWith(`${e.containerPath}.`))).toBe(true);
  });

  it('states the allowed volume sources of restrictedVolumes, and hostPath volumes forbidden at baseline', () => {
    const restricted = check(explain('restricted', latest), 'restrictedVolumes');
    expect(restricted.constraints).toEqual([{ field: 'spec.volumes[*]', oneSet: [...ALLOWED_VOLUME_SOURCES], unset: 'forbidden' }]);
    const hostPath = check(explain('baseline', v(0)), 'hostPathVolumes');
    expect(hostPath.constraints).toEqual([{ field: 'spec.volumes[*].hostPath', unset: 'required' }]);
  });

  it('reads the baseline capabilities list from the model\'s rule, including the one restricted allows', () => {
    const [defaults] = inValues(capabilities_baseline.revisions[0]!.rule);
    const caps = check(explain('baseline', latest), 'capabilities_baseline').constraints;
    expect(where(caps, 'spec.containers[*].securityContext.capabilities.add[*]')).toEqual([{
      field: 'spec.containers[*].securityContext.capabilities.add[*]', oneOf: defaults, unset: 'forbidden',
    }]);
    const restricted = check(explain('restricted', latest), 'capabilities_restricted').constraints;
    const [add] = where(restricted, 'spec.containers[*].securityContext.capabilities.add[*]');
    expect(add!.oneOf).toHaveLength(1);
    expect(defaults).toContain(add!.oneOf![0]);
    expect(where(restricted, 'spec.containers[*].securityContext.capabilities.drop')).toEqual([
      { field: 'spec.containers[*].securityContext.capabilities.drop', includes: ['ALL'], unset: 'forbidden' },
    ]);
  });

  it('explains seccomp: field types at pod and container level, containers unset only when the pod is valid', () => {
    if (validSeccomp.op !== 'in') throw new Error('validSeccomp is an in-condition');
    const types = validSeccomp.values;
    for (const [level, id] of [['baseline', 'seccompProfile_baseline'], ['restricted', 'seccompProfile_restricted']] as const) {
      const cs = check(explain(level, latest), id).constraints;
      expect(where(cs, 'spec.securityContext.seccompProfile.type')).toEqual([{
        field: 'spec.securityContext.seccompProfile.type', oneOf: types, unset: 'forbidden',
        if: ['spec.securityContext.seccompProfile is set'],
      }]);
    }
    const restricted = check(explain('restricted', latest), 'seccompProfile_restricted');
    const [implicit] = where(restricted.constraints, 'spec.containers[*].securityContext.seccompProfile');
    expect(implicit!.unset).toBe('forbidden');
    expect(implicit!.unless).toHaveLength(1);
    expect(implicit!.unless![0]).toContain('spec.securityContext.seccompProfile.type');
    for (const t of types) expect(implicit!.unless![0]).toContain(JSON.stringify(t));
    // v1.0 baseline reads the annotations instead
    expect(check(explain('baseline', v(0)), 'seccompProfile_baseline').fields.every((f) => f.startsWith('metadata.annotations['))).toBe(true);
  });

  it('keeps each reason when it is a constant string', () => {
    const e = explain('restricted', latest);
    for (const c of e.checks) {
      const rule = revisionAt(byId(c.id), NEWEST_MINOR)!.rule;
      expect(c.reason).toBe(typeof rule.reason === 'string' ? rule.reason : undefined);
    }
  });

  it('says the privileged level has no checks', () => {
    const e = explain('privileged', latest);
    expect(e.checks).toEqual([]);
    expect(formatExplanation(e)).toMatch(/no checks/);
  });
});

describe('diff', () => {
  const consistent = (level: Level, a: number, b: number) => {
    const d = diffVersions(level, v(a), v(b));
    const ids = (m: number) => profile(level, v(m)).rules.map((r) => r.check);
    const [before, after] = [ids(a), ids(b)];
    expect(d.added.map((c) => c.id)).toEqual(after.filter((id) => !before.includes(id)));
    expect(d.removed.map((c) => c.id)).toEqual(before.filter((id) => !after.includes(id)));
    expect(d.changed.map((c) => c.id)).toEqual(after.filter((id) =>
      before.includes(id) && revisionAt(byId(id), a) !== revisionAt(byId(id), b)));
    return d;
  };

  it('is consistent with revisionAt for every pair of boundary versions', () => {
    for (const level of LEVELS) {
      for (const a of BOUNDARY_MINORS) for (const b of BOUNDARY_MINORS) consistent(level, a, b);
    }
  });

  it('baseline v1.0 to latest: added checks are new, changed checks have a newer revision', () => {
    const d = diffVersions('baseline', v(0), latest);
    const baseline = CHECK_ORDER.filter((c) => c.level === 'baseline');
    expect(d.added.map((c) => c.id)).toEqual(baseline.filter((c) => !revisionAt(c, 0)).map((c) => c.id));
    expect(d.removed).toEqual([]);
    expect(d.changed.map((c) => c.id)).toEqual(
      baseline.filter((c) => revisionAt(c, 0) && revisionAt(c, 0) !== revisionAt(c, NEWEST_MINOR)).map((c) => c.id));
    for (const c of d.changed) {
      expect(c.fromSince).toBe(versionLabel(revisionAt(byId(c.id), 0)!.since));
      expect(c.toSince).toBe(versionLabel(revisionAt(byId(c.id), NEWEST_MINOR)!.since));
    }
  });

  it('restricted v1.22 to v1.25: capabilities_restricted gains the Windows exemption, nothing else about it changes', () => {
    const d = diffVersions('restricted', parseVersion('v1.22'), parseVersion('v1.25'));
    const caps = d.changed.find((c) => c.id === capabilities_restricted.id)!;
    expect(caps).toBeDefined();
    if (windowsPod.op !== 'eq') throw new Error('windowsPod is an eq-condition');
    expect(caps.exemptIf).toEqual({ from: null, to: `spec.${windowsPod.path.join('.')} is ${JSON.stringify(windowsPod.value)}` });
    expect(caps.constraintsAdded).toEqual([]);
    expect(caps.constraintsRemoved).toEqual([]);
    expect(caps.constraintsChanged).toEqual([]);
    expect(formatDiff(d)).toMatch(/capabilities_restricted \(restricted\): revision v1\.22 -> v1\.25\n\s+exempt\s+\(none\) -> spec\.os\.name is "windows"/);
  });

  it('shows each value a revision adds to an allowed set, as the model\'s value lists differ', () => {
    for (const check of CHECK_ORDER) {
      check.revisions.slice(1).forEach((r, i) => {
        const prev = check.revisions[i]!;
        const [was, is] = [inValues(prev.rule).flat(), inValues(r.rule).flat()];
        const gained = [...new Set(is.filter((x) => !was.includes(x)))].sort();
        if (!gained.length || inValues(prev.rule).length === 0) return;
        const d = diffVersions(check.level, v(prev.since), v(r.since)).changed.find((c) => c.id === check.id)!;
        const shown = [...new Set(d.constraintsChanged.flatMap((c) => (c.added.oneOf ?? []) as string[]))].sort();
        expect(shown, `${check.id} at v1.${r.since}`).toEqual(gained);
      });
    }
  });

  it('marks baseline checks removed at restricted as replaced', () => {
    const d = diffVersions('restricted', v(0), latest);
    for (const r of d.removed) expect(r.overriddenBy).toBe(overridingCheck(r.id, NEWEST_MINOR));
    expect(d.removed.length).toBeGreaterThan(0);
  });

  it('shows nothing for the privileged level, or for the same rules under two labels', () => {
    const d = diffVersions('privileged', v(0), latest);
    expect([d.added, d.removed, d.changed]).toEqual([[], [], []]);
    expect(formatDiff(d)).toMatch(/no checks added, removed or changed/);
    const same = diffVersions('restricted', latest, parseVersion(versionLabel(NEWEST_MINOR + 3)));
    expect([same.added, same.removed, same.changed]).toEqual([[], [], []]);
  });
});

describe('runExplain and runDiff', () => {
  it('print JSON of the same data, which round-trips', () => {
    const text = runExplain({ level: 'restricted', json: true });
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(explain('restricted', latest));
    expect(JSON.stringify(JSON.parse(text), null, 2) + '\n').toBe(text);
    const diff = runDiff({ level: 'baseline', from: 'v1.0', to: 'latest', json: true });
    expect(JSON.parse(diff)).toEqual(diffVersions('baseline', v(0), latest));
    expect(JSON.stringify(JSON.parse(diff), null, 2) + '\n').toBe(diff);
  });

  it('are deterministic', () => {
    for (const level of LEVELS) {
      for (const json of [false, true]) {
        expect(runExplain({ level, json })).toBe(runExplain({ level, json }));
        expect(runDiff({ level, from: 'v1.0', to: 'latest', json })).toBe(runDiff({ level, from: 'v1.0', to: 'latest', json }));
      }
    }
  });

  it('print text listing the checks in order, with their fields', () => {
    const text = runExplain({ level: 'restricted', policyVersion: 'v1.25' });
    const e = explain('restricted', parseVersion('v1.25'));
    let at = 0;
    for (const c of e.checks) {
      const i = text.indexOf(`. ${c.id} (${c.level}, since ${c.since})`, at);
      expect(i, c.id).toBeGreaterThan(at);
      at = i;
      for (const f of c.fields) expect(text).toContain(f);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('reject an unknown level or a bad version with an InputError', () => {
    expect(() => runExplain({ level: 'strict' })).toThrow(InputError);
    expect(() => runExplain({ level: 'strict' })).toThrow(`level "strict": must be one of ${LEVELS.join(', ')}`);
    expect(() => runDiff({ level: 'nope', from: 'v1.0', to: 'v1.1' })).toThrow(InputError);
    let message = '';
    try { parseVersion('v1.01'); } catch (e) { message = (e as Error).message; }
    expect(() => runExplain({ level: 'baseline', policyVersion: 'v1.01' })).toThrow(InputError);
    expect(() => runExplain({ level: 'baseline', policyVersion: 'v1.01' })).toThrow(message);
    expect(() => runDiff({ level: 'baseline', from: 'v1.0', to: '1.30' })).toThrow(InputError);
  });
});
