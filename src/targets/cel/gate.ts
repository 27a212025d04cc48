// Lowers the admission gate to CEL conditions over `request`, `object` and
// `oldObject`: every one must hold for the checks to run. VAP and Kyverno
// ValidatingPolicy carry them as matchConditions, Gatekeeper's CEL block as
// its match conditions, ClusterPolicy rules as celPreconditions.
import type { AdmissionGate } from '../../rules/admission.js';
import type { Path } from '../../rules/ir.js';
import { CelWriter, celLit, workloadTemplate, type CelOptions } from './lower.js';

export interface CelCondition {
  name: string;
  expression: string;
}

const list = (values: readonly string[]): string => `[${values.map(celLit).join(', ')}]`;

export function lowerGateToCel(gate: AdmissionGate, o: CelOptions): CelCondition[] {
  const w = new CelWriter(o);
  // the API server leaves empty request fields out of `request`, so optional reads
  const operation = 'request.?operation.orValue("")';
  const subResource = 'request.?subResource.orValue("")';
  const conditions: CelCondition[] = [
    { name: 'pod-security-operations', expression: `${operation} in ${list(gate.operations)}` },
    gate.skipSubresources === 'any'
      ? { name: 'pod-security-no-subresource', expression: `${subResource} == ""` }
      : { name: 'pod-security-subresources', expression: `!(${subResource} in ${list(gate.skipSubresources)})` },
  ];
  const s = gate.significantUpdate;
  if (s) {
    const field = (anchor: string, path: Path) => w.value(anchor, path, '');
    const items = (obj: string, name: string) => w.list(obj, ['spec', name]);
    const byIndex = s.byIndex.map((name) => {
      const [c, d] = [w.fresh('c'), w.fresh('c')];
      return `${items('object', name)}.map(${c}, ${field(c, s.field)}) != ${items('oldObject', name)}.map(${d}, ${field(d, s.field)})`;
    });
    const byName = s.byName.map((name) => {
      const [c, d, olds] = [w.fresh('c'), w.fresh('c'), w.fresh('olds')];
      // the first old container of the same name, as upstream matches them
      const same = `${items('oldObject', name)}.filter(${d}, ${field(d, s.key)} == ${field(c, s.key)}).map(${d}, ${field(d, s.field)})`;
      return `${items('object', name)}.exists(${c}, [${same}].map(${olds}, size(${olds}) == 0 || ${olds}[0] != ${field(c, s.field)})[0])`;
    });
    conditions.push({
      name: 'pod-security-significant-update',
      expression: [`${operation} != "UPDATE"`, ...byIndex, ...byName].join(' || '),
    });
  }
  if (gate.exemptUsernames.length > 0) {
    conditions.push({ name: 'pod-security-exempt-usernames', expression: `!(request.?userInfo.?username.orValue("") in ${list(gate.exemptUsernames)})` });
  }
  if (gate.exemptRuntimeClasses.length > 0) {
    const pod = gate.subject === 'workload' ? workloadTemplate(w) : 'object';
    const runtimeClass = w.value(pod, ['spec', ...gate.runtimeClassPath], '');
    conditions.push({ name: 'pod-security-exempt-runtime-classes', expression: `!(${runtimeClass} in ${list(gate.exemptRuntimeClasses)})` });
  }
  return conditions;
}
