// Gatekeeper target: per unit of the admission plan, a ConstraintTemplate
// carrying the Rego (and a CEL block) and its Constraint with the mode's
// enforcementAction. Workload units match the workload kinds and read the
// pod template at each kind's path.
import type { Document } from '../../bundle.js';
import { GO_QUOTE_ESCAPES } from '../../model/goQuote.js';
import { WORKLOAD_TEMPLATES } from '../../model/pod.js';
import type { Mode } from '../../model/admission.js';
import type { CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { admissionPlan, type PlanUnit } from '../../rules/plan.js';
import { unitCel } from '../cel/unit.js';
import { lowerGateToCel } from '../cel/gate.js';
import { lit, lowerToRego } from './rego.js';
import { lowerGateToRego } from './gate.js';
import { lowerLabelledToRego } from './labels.js';
import { layoutRego } from './format.js';
import { workloadGroups } from '../admission.js';

/** deny rejects; warn returns a warning; dryrun only records (webhook log and audit) */
const ENFORCEMENT_ACTION: Record<Mode, string> = { enforce: 'deny', warn: 'warn', audit: 'dryrun' };

const goEscapes = (): string =>
  `{${[...GO_QUOTE_ESCAPES].map(([from, to]) => `${lit(from)}: ${lit(to)}`).join(', ')}}`;

const pathLit = (p: readonly string[]): string => `[${p.map(lit).join(', ')}]`;

/** `_pod`: the template of a workload object, chosen by kind */
function workloadPod(): string {
  const byPath = new Map<string, string[]>();
  for (const w of WORKLOAD_TEMPLATES) byPath.set(pathLit(w.template), [...(byPath.get(pathLit(w.template)) ?? []), w.kind]);
  const kind = 'object.get(_object, "kind", "")';
  // a long set of kinds is a constant, named after the template's path: `_kinds_spec_template`
  const constants: string[] = [];
  const arms = [...byPath].map(([path, kinds]) => {
    const set = `{${kinds.map(lit).join(', ')}}`;
    let test = kinds.length === 1 ? `${kind} == ${lit(kinds[0]!)}` : `${kind} in ${set}`;
    if (kinds.length > 1 && set.length > 60) {
      const name = `_kinds_${(JSON.parse(path) as string[]).join('_').replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}`;
      constants.push(`\n\n${name} := ${set}`);
      test = `${kind} in ${name}`;
    }
    return `_get(_object, ${path}, {}) if {\n\t${test}\n}`;
  });
  return `default _pod := {}\n\n_pod := ${arms.join(' else := ')}${constants.join('')}`;
}

/** The Rego module of one unit: what its ConstraintTemplate carries. */
export function gatekeeperRego(u: PlanUnit, o: Pick<CompileOptions, 'regoVersion'>): string {
  const labelled = u.labels ? lowerLabelledToRego(u.labels, u.subject) : undefined;
  const module = labelled
    ? lowerToRego(labelled.rules, labelled.deniedBy)
    : lowerToRego(u.profile.rules.map((rule) => ({ rule })), (u.unlessDeniedBy?.rules ?? []).map((rule) => ({ rule })));
  return layoutRego(render('gatekeeper/policy.rego.hbs', {
    package: u.kind.toLowerCase(),
    regoV0: o.regoVersion === 'v0',
    title: u.title,
    mode: u.subject === 'workload' ? `${u.mode}, workloads` : u.mode,
    generator: PACKAGE_VERSION,
    goEscapes: goEscapes(),
    workload: u.subject === 'workload' ? workloadPod() : undefined,
    prefixRule: labelled?.prefixRule ?? `_prefix := ${lit(u.messagePrefix)}`,
    selection: labelled?.selection,
    extraViolations: labelled?.extraViolations,
    extraDeniedBy: labelled?.extraDeniedBy,
    unlessTitle: u.unlessTitle,
    gate: lowerGateToRego(u.gate),
    ...module,
  }));
}

function unitDocuments(u: PlanUnit, o: CompileOptions): Document[] {
  const cel = { kubeMinor: o.kubeMinor, subject: u.subject };
  const context = {
    kind: u.kind,
    templateName: u.kind.toLowerCase(),
    constraintName: u.name,
    title: `Pod Security Standards ${u.title}, ${u.mode}${u.subject === 'workload' ? ' (workloads)' : ''}`,
    description: u.subject === 'workload'
      ? `Pod templates of workload resources that Pod Security Admission would ${u.mode} about at ${u.title}.`
      : `Pods that Pod Security Admission's ${u.mode} mode reports at ${u.title}`
        + `${u.unlessTitle ? `, unless enforce (${u.unlessTitle}) already rejects them` : ''}.`,
    mode: u.mode,
    workload: u.subject === 'workload',
    level: u.level,
    version: u.version.label,
    effectiveVersion: u.effectiveVersion,
    generator: PACKAGE_VERSION,
    regoV1: o.regoVersion === 'v1',
    rego: o.gatekeeperEngine === 'cel' ? undefined : gatekeeperRego(u, o),
    cel: o.gatekeeperEngine === 'rego' ? undefined : {
      ...unitCel(u, cel),
      matchConditions: lowerGateToCel(u.gate, cel),
    },
    enforcementAction: ENFORCEMENT_ACTION[u.mode],
    matchKinds: u.subject === 'pod' ? [{ group: '', kinds: ['Pod'] }] : workloadGroups().map((g) => ({ group: g.group, kinds: g.kinds })),
    exemptNamespaces: o.exemptNamespaces,
  };
  return [
    // a Constraint's kind exists only once Gatekeeper has created it from the template: two stages
    { file: `constrainttemplate-${context.templateName}.yaml`, stage: 'templates', yaml: render('gatekeeper/constrainttemplate.yaml.hbs', context) },
    { file: `constraint-${context.constraintName}.yaml`, stage: 'constraints', yaml: render('gatekeeper/constraint.yaml.hbs', context) },
  ];
}

export function gatekeeper(o: CompileOptions): Document[] {
  return admissionPlan(o).flatMap((u) => unitDocuments(u, o));
}
