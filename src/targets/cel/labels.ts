// Lowers a namespace-label unit to CEL: variables that read the level and
// version of the unit's mode (and of enforce, for warn's silencing) from
// namespaceObject's labels, and one validation per check whose revisions are
// chosen by nested conditionals. CEL conditionals are lazy, so a request pays
// for the one revision its level and version select, however many are carried.
import { violationPrefixAround } from '../../model/admission.js';
import { LEVELS } from '../../model/types.js';
import { NAMESPACE_LOOKUP_FAILED } from '../../model/namespaceLabels.js';
import {
  NAMESPACE_NOT_FOUND, NOT_CARRIED_REASON, VERSION_NOT_CARRIED, type InForce, type LabelledPolicy, type ModeSelection, type VersionedRule,
} from '../../rules/labels.js';
import { CelWriter, celLit, podVariables, silenced, type CelOptions, type CelPolicy, type CelValidation, type CelVariable, type MsgPart } from './lower.js';

const LABELS = 'variables.nsLabels';
const list = (xs: readonly (string | number)[]): string => `[${xs.map((x) => celLit(x)).join(', ')}]`;
const label = (key: string): string => `${LABELS}[${celLit(key)}]`;
const has = (key: string): string => `${celLit(key)} in ${LABELS}`;

/** Variable names of one selection: the unit's own, or enforce's (prefixed). */
interface Names { level: string; version: string; epoch: string }
const OWN: Names = { level: 'level', version: 'version', epoch: 'epoch' };
const ENFORCE: Names = { level: 'enforceLevel', version: 'enforceVersion', epoch: 'enforceEpoch' };
const v = (name: string): string => `variables.${name}`;

function validVersion(p: LabelledPolicy, x: string): string {
  const n = p.largestVersion.length;
  return `${x} == ${celLit(p.latest)} || (${x}.matches(${celLit(p.versionPattern)}) && `
    + `(size(${x}) < ${n} || (size(${x}) == ${n} && ${x} <= ${celLit(p.largestVersion)})))`;
}

/** `(enforce label parsed, stricter than warn's default) and no warn level label` */
function followsEnforce(s: ModeSelection): string | undefined {
  if (!s.follows) return undefined;
  const enforce = s.follows.enforce.levelLabel;
  return `!(${has(s.levelLabel)}) && ${has(enforce)} && ${label(enforce)} in ${list(s.follows.levels)}`;
}

function selectionVariables(p: LabelledPolicy, s: ModeSelection, names: Names): CelVariable[] {
  const parsedLevel = `${has(s.levelLabel)} ? (${label(s.levelLabel)} in ${list(LEVELS)} ? ${label(s.levelLabel)} : ${celLit(s.invalidLevel)}) : ${celLit(s.defaultLevel)}`;
  const x = label(s.versionLabel);
  const parsedVersion = `${has(s.versionLabel)} ? (${validVersion(p, x)} ? ${x} : ${celLit(p.invalidVersion)}) : ${celLit(s.defaultVersion)}`;
  const follows = followsEnforce(s);
  const variables: CelVariable[] = [];
  if (follows) {
    variables.push({ name: 'warnFollowsEnforce', expression: follows });
    variables.push(
      { name: names.level, expression: `${v('warnFollowsEnforce')} ? ${label(s.follows!.enforce.levelLabel)} : (${parsedLevel})` },
      { name: names.version, expression: `${v('warnFollowsEnforce')} && !(${has(s.versionLabel)}) ? ${v(ENFORCE.version)} : (${parsedVersion})` },
    );
  } else {
    variables.push({ name: names.level, expression: parsedLevel }, { name: names.version, expression: parsedVersion });
  }
  // v1.N with more digits than the newest minor is above it; the rest is read as a number
  const version = v(names.version);
  const short = p.versionPrefix.length + String(p.newestMinor).length;
  const epochs = [...p.epochs].reverse();
  const ofMinor = epochs.slice(0, -1).reduceRight((rest, e) => `m >= ${e} ? ${e} : ${rest}`, String(epochs.at(-1)));
  variables.push({
    name: names.epoch,
    expression: `${version} == ${celLit(p.latest)} || size(${version}) > ${short} ? ${p.epochs.at(-1)} : `
      + `[int(${version}.substring(${p.versionPrefix.length}))].map(m, ${ofMinor})[0]`,
  });
  return variables;
}

/** CEL that holds when the carried epochs `e` of a revision include the selected one */
function epochCond(e: readonly number[], carried: readonly number[], epoch: string): string {
  if (e.length === carried.length) return '';
  const at = carried.indexOf(e[0]!);
  if (!e.every((x, k) => carried[at + k] === x)) return `${epoch} in ${list(e)}`;
  const bounds = [];
  if (at > 0) bounds.push(`${epoch} >= ${e[0]}`);
  if (at + e.length < carried.length) bounds.push(`${epoch} < ${carried[at + e.length]}`);
  return bounds.join(' && ');
}

function inForceCond(f: InForce, carried: readonly number[], names: Names): string {
  const and = (...xs: string[]) => xs.filter(Boolean).join(' && ');
  const level = v(names.level);
  const epoch = v(names.epoch);
  if (f.baseline.length > 0 && JSON.stringify(f.baseline) === JSON.stringify(f.restricted)) {
    return and(`${level} != "privileged"`, epochCond(f.baseline, carried, epoch));
  }
  return (['baseline', 'restricted'] as const).filter((l) => f[l].length > 0)
    .map((l) => `(${and(`${level} == ${celLit(l)}`, epochCond(f[l], carried, epoch))})`).join(' || ');
}

/** a check with several carried revisions names each revision's variables after the version it starts at */
function revisionStem(r: VersionedRule, f: InForce): string {
  return r.revisions.length > 1 ? `${r.check}_v1_${Math.min(...f.baseline, ...f.restricted)}` : r.check;
}

/** `(in force) ? (passes) : …` over a check's carried revisions: enforce's checks, read only to silence warn, need no message */
function versionedPasses(w: CelWriter, p: LabelledPolicy, r: VersionedRule, names: Names): string {
  // lowered oldest first, so that their variables are declared in that order
  const arms = r.revisions.map((rev) => ({ when: inForceCond(rev.inForce, p.carried, names), passes: w.passes(rev.rule, revisionStem(r, rev.inForce)) }));
  return arms.reduceRight((rest, a) => `(${a.when}) ? (${a.passes}) : ${rest}`, 'true');
}

/**
 * A check's validation choosing among its carried revisions. With several,
 * each revision's message is a variable (`<check>_v1_<N>_message`): the
 * engines evaluate a variable only when read, so only the selected one runs.
 */
function versionedValidation(w: CelWriter, p: LabelledPolicy, r: VersionedRule, names: Names, prefix: MsgPart): CelValidation {
  const arms = r.revisions.map((rev) => {
    const stem = revisionStem(r, rev.inForce);
    const v = w.rule(rev.rule, prefix, stem);
    const message = r.revisions.length > 1 ? w.variable(`${stem}_message`, v.messageExpression) : `(${v.messageExpression})`;
    return { when: inForceCond(rev.inForce, p.carried, names), expression: v.expression, message };
  });
  return {
    check: r.check,
    expression: arms.reduceRight((rest, a) => `(${a.when}) ? (${a.expression}) : ${rest}`, 'true'),
    messageExpression: arms.reduceRight((rest, a) => `(${a.when}) ? ${a.message} : ${rest}`, '""'),
  };
}

/** `violates PodSecurity "<level>:<version>": ` with the selected level and version */
function prefixExpr(p: LabelledPolicy, names: Names): string {
  const [before, after] = violationPrefixAround(p.selection.mode);
  return `${celLit(before)} + ${v(names.level)} + ":" + ${v(names.version)} + ${celLit(after)}`;
}

export function lowerLabelledToCel(p: LabelledPolicy, o: CelOptions): CelPolicy {
  const w = new CelWriter(o);
  // a namespaced request has namespaceObject; one without a name (gator's) was not found
  w.declare('nsFound', 'namespaceObject != null && namespaceObject.?metadata.?name.orValue("") != ""');
  w.declare('nsLabels', 'variables.nsFound ? namespaceObject.?metadata.?labels.orValue({}) : {}');
  const enforce = p.silencedBy ?? p.selection.follows?.enforce;
  const selections = [...(enforce ? selectionVariables(p, enforce, ENFORCE) : []), ...selectionVariables(p, p.selection, OWN)];
  for (const s of selections) w.declare(s.name, s.expression);
  podVariables(w, o.subject);
  const prefix = w.declare('violation', prefixExpr(p, OWN));
  const notCarried = (names: Names) => `${v(names.level)} != "privileged" && !(${v(names.epoch)} in ${list(p.carried)})`;
  const validations: CelValidation[] = [];
  if (p.selection.mode === 'enforce' && o.subject !== 'workload') {
    const [before, after] = NAMESPACE_LOOKUP_FAILED;
    validations.push({
      check: NAMESPACE_NOT_FOUND,
      expression: 'variables.nsFound',
      messageExpression: `variables.nsFound ? "" : ${celLit(before)} + request.?namespace.orValue("") + ${celLit(after)}`,
    });
  }
  validations.push(...p.rules.map((r) => versionedValidation(w, p, r, OWN, { cel: prefix })));
  if (p.carried.length < p.epochs.length) {
    validations.push({
      check: VERSION_NOT_CARRIED,
      expression: `!(${notCarried(OWN)})`,
      messageExpression: `!(${notCarried(OWN)}) ? "" : ${prefix} + ${celLit(`${NOT_CARRIED_REASON} (`)} + ${v(OWN.version)} + ")"`,
    });
  }
  if (!p.silencedBy) return { variables: w.variables, validations };
  // enforce denies: its namespace is missing, its version is not carried, or one of its checks fails
  // one variable per check keeps each expression short; they are read in turn until one fails
  const enforceFails = p.rules.map((r) => `!${w.variable(`enforce_${r.check}`, versionedPasses(w, p, r, ENFORCE))}`);
  const denies = ['!variables.nsFound', ...(p.carried.length < p.epochs.length ? [`(${notCarried(ENFORCE)})`] : []), ...enforceFails];
  w.declare('enforceDenies', denies.join(' || '));
  return { variables: w.variables, validations: silenced(validations) };
}
