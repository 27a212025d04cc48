// Lowers a namespace-label unit to Rego: complete rules that read the level
// and version of the unit's mode (and of enforce, for warn's silencing) from
// the namespace, one violation body per carried check revision guarded by
// the levels and versions it is in force at, and the unit's own guards.
import { violationPrefixAround } from '../../model/admission.js';
import { NAMESPACE_LOOKUP_FAILED } from '../../model/namespaceLabels.js';
import { LEVELS } from '../../model/types.js';
import { versionLabel } from '../../model/version.js';
import {
  EVALUATED_LEVELS, NAMESPACE_NOT_FOUND, NOT_CARRIED_REASON, VERSION_NOT_CARRIED, epochVersions, type InForce, type LabelledPolicy, type ModeSelection,
} from '../../rules/labels.js';
import { lit, type GuardedRule } from './rego.js';

const set = (xs: readonly (string | number)[]): string => `{${xs.map((x) => lit(x)).join(', ')}}`;
/** `x` is (or, negated, is not) one of `xs`; `x` is always defined */
const oneOf = (x: string, xs: readonly (string | number)[], negated = false): string => {
  if (xs.length === 1) return `${x} ${negated ? '!=' : '=='} ${lit(xs[0]!)}`;
  return `${negated ? 'not ' : ''}${x} in ${set(xs)}`;
};
const label = (key: string): string => `_ns_labels[${lit(key)}]`;
const block = (head: string, body: readonly string[]): string => `${head} {\n${body.map((s) => `\t${s}`).join('\n')}\n}`;

/** Rule names of one selection: the unit's own, or enforce's. */
interface Names { level: string; version: string; epoch: string; inForce: string }
const OWN: Names = { level: '_level', version: '_version', epoch: '_epoch', inForce: '_in_force' };
const ENFORCE: Names = { level: '_enforce_level', version: '_enforce_version', epoch: '_enforce_epoch', inForce: '_enforce_in_force' };

function selectionRules(p: LabelledPolicy, s: ModeSelection, n: Names): string[] {
  const rules: string[] = [];
  const levelArms = [
    block(`x if`, [`x := ${label(s.levelLabel)}`, `x in ${set(LEVELS)}`]),
    block(`${lit(s.invalidLevel)} if`, [label(s.levelLabel)]),
  ];
  const versionArms = [
    block(`x if`, [`x := ${label(s.versionLabel)}`, '_valid_version(x)']),
    block(`${lit(p.invalidVersion)} if`, [label(s.versionLabel)]),
  ];
  if (s.follows) {
    rules.push(`# with no ${s.mode} label, ${s.mode} follows a stricter enforce label`, block('_warn_follows_enforce if', [
      `not ${label(s.levelLabel)}`, oneOf(label(s.follows.enforce.levelLabel), s.follows.levels),
    ]));
    levelArms.unshift(block(`${label(s.follows.enforce.levelLabel)} if`, ['_warn_follows_enforce']));
    versionArms.unshift(block(`${ENFORCE.version} if`, ['_warn_follows_enforce', `not ${label(s.versionLabel)}`]));
  }
  rules.push(
    `# ${s.mode}: ${s.levelLabel} and ${s.versionLabel}, defaults ${s.defaultLevel} and ${s.defaultVersion}\n`
      + `default ${n.level} := ${lit(s.defaultLevel)}`,
    `${n.level} := ${levelArms.join(' else := ')}`,
    `default ${n.version} := ${lit(s.defaultVersion)}`,
    `${n.version} := ${versionArms.join(' else := ')}`,
    `${n.epoch} := _epoch_of(${n.version})`,
    `${n.inForce}(epochs) if ${n.epoch} in epochs[${n.level}]`,
  );
  return rules;
}

/** `_in_force({"baseline": {0, 19}, "restricted": {19}})`: the level and version select this revision */
const guard = (f: InForce, n: Names): string =>
  `${n.inForce}({${EVALUATED_LEVELS.filter((l) => f[l].length > 0).map((l) => `${lit(l)}: ${set(f[l])}`).join(', ')}})`;

const since = (f: InForce): string => {
  const first = Math.min(...EVALUATED_LEVELS.flatMap((l) => f[l]));
  return `from ${versionLabel(first)}`;
};

export interface LabelledRego {
  rules: GuardedRule[];
  deniedBy: GuardedRule[];
  /** the level, version and epoch rules, and their helpers */
  selection: string[];
  prefixRule: string;
  /** violations of the unit's own guards: the namespace must be found, the version carried */
  extraViolations: string[];
  /** enforce's own guards, for warn's silencing */
  extraDeniedBy: string[];
}

export function lowerLabelledToRego(p: LabelledPolicy, subject: 'pod' | 'workload'): LabelledRego {
  const versioned = (n: Names): GuardedRule[] => p.rules.flatMap((r) =>
    r.revisions.map((rev) => ({ rule: rev.rule, guard: guard(rev.inForce, n), note: r.revisions.length > 1 ? since(rev.inForce) : undefined })));
  const enforce = p.silencedBy ?? p.selection.follows?.enforce;
  const epochs = [...p.epochs];
  const short = p.versionPrefix.length + String(p.newestMinor).length;
  // a raw string, as regex patterns are best written
  const pattern = p.versionPattern.includes('`') ? lit(p.versionPattern) : `\`${p.versionPattern}\``;
  const selection = [
    '# the namespace, as the webhook sends it, else from the synced inventory (gator sends an empty object)',
    `default _namespace := null\n\n${[
      block('_namespace := ns if', ['ns := input.review.namespaceObject', 'object.get(ns, ["metadata", "name"], "") != ""']),
      block('ns if', ['ns := data.inventory.cluster.v1.Namespace[input.review.namespace]']),
    ].join(' else := ')}`,
    'default _ns_labels := {}',
    '_ns_labels := _get(_namespace, ["metadata", "labels"], {}) if is_object(_namespace)',
    ...(enforce ? selectionRules(p, enforce, ENFORCE) : []),
    ...selectionRules(p, p.selection, OWN),
    `# upstream ParseVersion: latest, or v1.N with N an int`,
    `_valid_version(${lit(p.latest)})`,
    block('_valid_version(x) if', [`regex.match(${pattern}, x)`, `count(x) < ${p.largestVersion.length}`]),
    block('_valid_version(x) if', [`regex.match(${pattern}, x)`, `count(x) == ${p.largestVersion.length}`, `x <= ${lit(p.largestVersion)}`]),
    '# a version\'s rules are those of the newest check revision at or below it',
    `${block('_epoch_of(v) := e if', [
      `v != ${lit(p.latest)}`,
      `count(v) <= ${short}`,
      `m := to_number(substring(v, ${p.versionPrefix.length}, -1))`,
      `e := max({b | some b in ${set(epochs)}; b <= m})`,
    ])} else := ${epochs.at(-1)}`,
  ];
  const [before, after] = violationPrefixAround(p.selection.mode);
  const partial = p.carried.length < p.epochs.length;
  const notCarried = (n: Names) => [`${n.level} != "privileged"`, oneOf(n.epoch, p.carried, true)];
  const extraViolations: string[] = [];
  const silenced = p.silencedBy ? ['not _enforce_denies'] : [];
  if (p.selection.mode === 'enforce' && subject === 'pod') {
    const [b, a] = NAMESPACE_LOOKUP_FAILED;
    extraViolations.push(`# ${NAMESPACE_NOT_FOUND}: PSA denies a pod whose namespace it cannot read`, block(
      `violation contains {"msg": concat("", [${lit(b)}, object.get(input, ["review", "namespace"], ""), ${lit(a)}]), "details": {"check": ${lit(NAMESPACE_NOT_FOUND)}}} if`,
      ['not _skipped', '_namespace == null'],
    ));
  }
  if (partial) {
    extraViolations.push(`# ${VERSION_NOT_CARRIED}: this bundle carries ${p.carried.map(epochVersions).join(', ')}`, block(
      `violation contains {"msg": concat("", [_prefix, ${lit(`${NOT_CARRIED_REASON} (`)}, _version, ")"]), "details": {"check": ${lit(VERSION_NOT_CARRIED)}}} if`,
      ['not _skipped', ...silenced, ...notCarried(OWN)],
    ));
  }
  return {
    rules: versioned(OWN),
    deniedBy: p.silencedBy ? versioned(ENFORCE) : [],
    selection,
    prefixRule: `_prefix := concat("", [${lit(before)}, _level, ":", _version, ${lit(after)}])`,
    extraViolations,
    extraDeniedBy: p.silencedBy ? [
      '_enforce_denies if _namespace == null',
      ...(partial ? [block('_enforce_denies if', notCarried(ENFORCE))] : []),
    ] : [],
  };
}
