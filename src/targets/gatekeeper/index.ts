// Gatekeeper target: a ConstraintTemplate carrying the Rego, and its Constraint.
import type { Document } from '../../bundle.js';
import { GO_QUOTE_ESCAPES } from '../../model/goQuote.js';
import { profile } from '../../model/registry.js';
import { versionLabel } from '../../model/version.js';
import type { Action, CompileOptions } from '../../options.js';
import { PACKAGE_VERSION, render } from '../../render.js';
import { levelVersion, policyKind, policyName } from '../names.js';
import { lowerToCel } from '../cel/lower.js';
import { lowerGateToCel } from '../cel/gate.js';
import { lit, lowerToRego } from './rego.js';
import { lowerGateToRego } from './gate.js';
import { admissionGate } from '../../rules/admission.js';
import { exemptions } from '../admission.js';

const ENFORCEMENT_ACTION: Record<Action, string> = { enforce: 'deny', audit: 'dryrun', warn: 'warn' };

const goEscapes = (): string =>
  `{${[...GO_QUOTE_ESCAPES].map(([from, to]) => `${lit(from)}: ${lit(to)}`).join(', ')}}`;

/** The Rego module alone: what the ConstraintTemplate carries. */
export function gatekeeperRego(o: CompileOptions): string {
  const p = profile(o.level, o.version);
  const kind = policyKind(o);
  return render('gatekeeper/policy.rego.hbs', {
    package: kind.toLowerCase(),
    regoV0: o.regoVersion === 'v0',
    title: levelVersion(o),
    generator: PACKAGE_VERSION,
    goEscapes: goEscapes(),
    gate: lowerGateToRego(admissionGate('pod', exemptions(o))),
    ...lowerToRego(p.rules),
  });
}

export function gatekeeper(o: CompileOptions): Document[] {
  const p = profile(o.level, o.version);
  const kind = policyKind(o);
  const context = {
    kind,
    templateName: kind.toLowerCase(),
    constraintName: policyName(o),
    title: `Pod Security Standards ${levelVersion(o)}`,
    levelVersion: levelVersion(o),
    level: o.level,
    version: o.version.label,
    effectiveVersion: versionLabel(p.minor),
    checks: p.rules.map((r) => r.check),
    generator: PACKAGE_VERSION,
    regoV1: o.regoVersion === 'v1',
    rego: o.gatekeeperEngine === 'cel' ? undefined : gatekeeperRego(o),
    cel: o.gatekeeperEngine === 'rego' ? undefined : {
      ...lowerToCel(p.rules, { kubeMinor: o.kubeMinor }),
      matchConditions: lowerGateToCel(admissionGate('pod', exemptions(o)), { kubeMinor: o.kubeMinor }),
    },
    enforcementAction: ENFORCEMENT_ACTION[o.action],
    exemptNamespaces: o.exemptNamespaces,
  };
  return [
    { file: `constrainttemplate-${context.templateName}.yaml`, yaml: render('gatekeeper/constrainttemplate.yaml.hbs', context) },
    { file: `constraint-${context.constraintName}.yaml`, yaml: render('gatekeeper/constraint.yaml.hbs', context) },
  ];
}
