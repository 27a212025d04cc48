// Lowers the admission gate to Rego: `_skipped` holds for a request Pod
// Security Admission would let through without evaluating it.
import type { AdmissionGate } from '../../rules/admission.js';
import type { Path } from '../../rules/ir.js';
import { lit } from './rego.js';

const set = (values: readonly string[]): string => `{${values.map(lit).join(', ')}}`;
/** `x` is one of `values`: `==` for one value; a long set is the constant `name`, defined in `constants` */
const oneOf = (x: string, values: readonly string[], name: string, constants: string[]): string => {
  if (values.length === 1) return `${x} == ${lit(values[0]!)}`;
  if (set(values).length <= 60) return `${x} in ${set(values)}`;
  constants.push(`${name} := ${set(values)}`);
  return `${x} in ${name}`;
};
const path = (p: Path): string => `[${p.map(lit).join(', ')}]`;
const rule = (comment: string, body: string[]): string =>
  `# ${comment}\n_skipped if {\n${body.map((s) => `\t${s}`).join('\n')}\n}`;

export function lowerGateToRego(gate: AdmissionGate): string[] {
  const review = (p: Path, d = '""') => `object.get(input, ${path(['review', ...p])}, ${d})`;
  // the _skipped rules first, then what they use
  const rules: string[] = [];
  const after: string[] = [];
  rules.push(
    rule('only CREATE and UPDATE are evaluated, and audit scans, which have no operation',
      [`not ${oneOf(review(['operation']), gate.operations, '_evaluated_operations', after)}`]),
    gate.skipSubresources === 'any'
      ? rule('subresources are not evaluated', [`${review(['subResource'])} != ""`])
      : rule('ignored subresources', [oneOf(review(['subResource']), gate.skipSubresources, '_ignored_subresources', after)]),
  );
  const s = gate.significantUpdate;
  if (s) {
    rules.push(rule('an UPDATE that changes no container image, count or ephemeral container', [
      `${review(['operation'])} == "UPDATE"`,
      'not _significant_update',
    ]));
  }
  if (gate.exemptUsernames.length > 0) {
    rules.push(rule('exempt usernames', [oneOf(review(['userInfo', 'username']), gate.exemptUsernames, '_exempt_usernames', after)]));
  }
  if (gate.exemptRuntimeClasses.length > 0) {
    rules.push(rule('exempt runtime classes',
      [oneOf(`_get(_spec, ${path(gate.runtimeClassPath)}, "")`, gate.exemptRuntimeClasses, '_exempt_runtime_classes', after)]));
  }
  if (s) {
    const field = (anchor: string, p: Path) => `_get(${anchor}, ${path(p)}, "")`;
    rules.push(
      '_old_spec := _get(object.get(input, ["review", "oldObject"], {}), ["spec"], {})',
      ...s.byIndex.map((name) => [
        `# ${name}: a different count, or a different ${s.field.join('.')} at some index`,
        '_significant_update if {',
        `\tcurrent := [${field('c', s.field)} | some c in _list(_spec, ${path([name])})]`,
        `\tprevious := [${field('c', s.field)} | some c in _list(_old_spec, ${path([name])})]`,
        '\tcurrent != previous',
        '}',
      ].join('\n')),
      ...s.byName.map((name) => [
        `# ${name}: one with a new ${s.key.join('.')}, or whose ${s.field.join('.')} differs from the first old one of that ${s.key.join('.')}`,
        '_significant_update if {',
        `\tsome c in _list(_spec, ${path([name])})`,
        `\tolds := [${field('o', s.field)} | some o in _list(_old_spec, ${path([name])}); ${field('o', s.key)} == ${field('c', s.key)}]`,
        `\tnot _first_is(olds, ${field('c', s.field)})`,
        '}',
      ].join('\n')),
    );
    if (s.byName.length > 0) rules.push('_first_is(xs, x) if {\n\tcount(xs) > 0\n\txs[0] == x\n}');
  }
  return [...rules, ...after];
}
