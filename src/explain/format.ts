// Terminal text for explain and diff: one block per check, field paths in an
// aligned column, long value lists wrapped under their column.
import { showValue, showValues } from './text.js';
import type { CheckChange, CheckExplanation, Constraint, ConstraintChange, Explanation, ListKey, VersionDiff } from './types.js';

const WIDTH = 120;
/** fields longer than this put their values on the next line, so one long key does not push every value right */
const FIELD_COLUMN = 64;
const INDENT = '    ';

/** Splits after ", " or "; " so a line stays within `width` (a single long item may exceed it). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const piece of text.split(/(?<=[,;] )/)) {
    if (line && (line + piece).trimEnd().length > width) { lines.push(line.trimEnd()); line = ''; }
    line += piece;
  }
  return [...lines, line];
}

const orList = (alts: string[]): string =>
  alts.length < 2 ? alts.join('') : alts.slice(0, -1).join('; ') + (alts.some((a) => a.includes(', ')) ? '; or ' : ' or ') + alts.at(-1);

/** What a constraint allows, in words (guards not included). */
export function allowedText(c: Constraint): string {
  // an item of a list is always present; "must be set" only speaks of real fields
  const mustBeSet = c.unset === 'forbidden' && !c.field.endsWith('[*]') ? ' (must be set)' : '';
  if (c.includes) return `must include ${showValues(c.includes)}`;
  if (c.oneSet) return `must set one of: ${c.oneSet.join(', ')}`;
  if (c.must) return c.must;
  if (c.noneOf) return `anything but ${showValues(c.noneOf)}${c.unset === 'allowed' ? ', or unset' : mustBeSet}`;
  const alts = [
    ...(c.oneOf ? [(c.oneOf.length > 1 ? 'one of ' : '') + showValues(c.oneOf)] : []),
    ...(c.prefixes ?? []).map((p) => `starting with ${showValue(p)}`),
  ];
  if (!alts.length) return c.unset === 'required' ? 'must be unset' : 'must be set';
  return orList(c.unset === 'allowed' ? [...alts, 'unset'] : alts) + mustBeSet;
}

const guards = (c: { if?: string[]; unless?: string[] }): string[] =>
  [...(c.if ?? []).map((g) => `if ${g}`), ...(c.unless ?? []).map((g) => `unless ${g}`)];

/** Rows of [field, value lines], printed with the field column aligned. */
function table(rows: [string, string[]][], indent: string): string[] {
  const width = Math.max(0, ...rows.map(([f]) => f.length).filter((n) => n <= FIELD_COLUMN));
  const pad = ' '.repeat(indent.length + width + 2);
  return rows.flatMap(([field, values]) => {
    // only the first line (the allowed values) wraps; guards read better whole
    const [first = '', ...rest] = values;
    const lines = [...wrap(first, Math.max(50, WIDTH - pad.length)), ...rest].map((l) => `${pad}${l}`);
    if (field.length > width) return [`${indent}${field}`, ...lines];
    return [`${indent}${field.padEnd(width)}  ${lines[0]!.trimStart()}`, ...lines.slice(1)];
  });
}

const constraintRow = (c: Constraint, mark = ''): [string, string[]] => [mark + c.field, [allowedText(c), ...guards(c)]];

function checkBlock(c: CheckExplanation, heading: string): string[] {
  const facts: [string, string[]][] = [];
  if (c.reason !== undefined) facts.push(['reason', [JSON.stringify(c.reason)]]);
  if (c.overrides) facts.push(['replaces', [c.overrides.join(', ')]]);
  if (c.exemptIf) facts.push(['exempt', [`pods where ${c.exemptIf}`]]);
  return [heading, ...table(facts, INDENT), ...table(c.constraints.map((k) => constraintRow(k)), INDENT)];
}

export function formatExplanation(e: Explanation): string {
  const at = `policy version ${e.version}${e.version === e.evaluates ? '' : ` (the ${e.evaluates} rules)`}`;
  if (!e.checks.length) return `${e.level}, ${at}: no checks; every pod is allowed\n`;
  const lines = [
    `${e.level}, ${at}: ${e.checks.length} checks, in upstream evaluation order`,
    `${e.containerPath} stands for every container in ${e.containerLists.join(', ')}`,
    e.overridden.length
      ? `replaced at this version: ${e.overridden.map((o) => `${o.check} by ${o.by}`).join(', ')}`
      : 'no baseline check is replaced at this level',
  ];
  e.checks.forEach((c, i) => lines.push('', ...checkBlock(c, `${String(i + 1).padStart(2)}. ${c.id} (${c.level}, since ${c.since})`)));
  return lines.join('\n') + '\n';
}

const LABELS: Record<ListKey, string> = {
  oneOf: 'allowed values', prefixes: 'allowed prefixes', noneOf: 'forbidden values', includes: 'required items', oneSet: 'accepted sources',
};

function changeRow(c: ConstraintChange): [string, string[]] {
  const lines = [
    ...Object.entries(c.added).map(([k, vs]) => `${LABELS[k as ListKey]} + ${showValues(vs)}`),
    ...Object.entries(c.removed).map(([k, vs]) => `${LABELS[k as ListKey]} - ${showValues(vs)}`),
    ...(c.unset ? [`unset: ${c.unset.from} -> ${c.unset.to}`] : []),
  ];
  return [`~ ${c.field}`, [...lines, ...guards(c)]];
}

const show = (v: string | null): string => (v === null ? '(none)' : v);

function changeBlock(c: CheckChange): string[] {
  const facts: [string, string[]][] = [];
  if (c.exemptIf) facts.push(['exempt', [`${show(c.exemptIf.from)} -> ${show(c.exemptIf.to)}`]]);
  if (c.reason) facts.push(['reason', [`${show(c.reason.from)} -> ${show(c.reason.to)}`]]);
  if (c.overrides) facts.push(['replaces', [`${c.overrides.from.join(', ') || '(none)'} -> ${c.overrides.to.join(', ') || '(none)'}`]]);
  if (c.fieldsAdded.length) facts.push(['+ fields', [c.fieldsAdded.join(', ')]]);
  if (c.fieldsRemoved.length) facts.push(['- fields', [c.fieldsRemoved.join(', ')]]);
  const rows = [
    ...c.constraintsRemoved.map((k) => constraintRow(k, '- ')),
    ...c.constraintsAdded.map((k) => constraintRow(k, '+ ')),
    ...c.constraintsChanged.map(changeRow),
  ];
  const quiet = !facts.length && !rows.length ? [`${INDENT}no difference in restricted fields or values (messages only)`] : [];
  return [`  ${c.id} (${c.level}): revision ${c.fromSince} -> ${c.toSince}`, ...table(facts, INDENT), ...table(rows, INDENT), ...quiet];
}

export function formatDiff(d: VersionDiff): string {
  const at = (label: string, evaluates: string) => (label === evaluates ? label : `${label} (the ${evaluates} rules)`);
  const lines = [`${d.level}: ${at(d.from, d.fromEvaluates)} -> ${at(d.to, d.toEvaluates)}`];
  if (!d.added.length && !d.removed.length && !d.changed.length) return `${lines[0]}: no checks added, removed or changed\n`;
  if (d.added.length) {
    lines.push('', `added (${d.added.length}):`);
    d.added.forEach((c) => lines.push(...checkBlock(c, `  ${c.id} (${c.level}, since ${c.since})`)));
  }
  if (d.removed.length) {
    lines.push('', `removed (${d.removed.length}):`);
    d.removed.forEach((r) => lines.push(`  ${r.id} (${r.level}, since ${r.since})${r.overriddenBy ? `: replaced by ${r.overriddenBy}` : ''}`));
  }
  if (d.changed.length) {
    lines.push('', `changed (${d.changed.length}):`);
    d.changed.forEach((c) => lines.push(...changeBlock(c)));
  }
  return lines.join('\n') + '\n';
}
