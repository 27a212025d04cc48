// Admission engine `vap`: the bundle's ValidatingAdmissionPolicy and binding
// through the API server's own VAP dispatcher (test/engines/core/vap, dispatch
// mode): matchConstraints, matchConditions, the binding's namespaceSelector and
// validationActions, `request`, `oldObject` and `namespaceObject` are all the
// real code's. Deny failures are enforce, Warn warn, Audit audit.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../../src/compile.js';
import { inUpstreamOrder } from '../engine.js';
import { ensureEngines } from '../engines.js';
import { bundleFor, expectedPrefix, type Mode } from './bundle.js';
import { namespaceBatches, type CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import type { OracleOutcome } from './oracle.js';

interface Failure { policy: string; validation: number; actions: string[]; evaluation: 'deny' | 'error'; message: string }
interface DispatchResult { allowed: boolean; failures?: Failure[]; error?: string; status?: { message: string } }

const MODE_OF_ACTION: Record<string, Mode> = { Deny: 'enforce', Warn: 'warn', Audit: 'audit' };

export class VapAdmissionEngine implements AdmissionEngine {
  readonly id = 'vap';
  constructor(private readonly kubeVersion = '1.30') {}

  async evaluate(dir: CaseDir, expected: readonly OracleOutcome[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir, { target: 'vap', kubeVersion: this.kubeVersion });
    const docs = compile(bundle.options).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS() as Record<string, any>));
    const outcomes: AdmissionOutcome[] = new Array(dir.cases.length);
    const { cache } = ensureEngines();
    for (const members of namespaceBatches(dir.cases)) {
      const namespaces = [...new Map(members.flatMap((i) => dir.cases[i]!.namespaces).map((n) => [n.metadata?.name, n])).values()];
      const out = JSON.parse(execFileSync(`${cache}/bin/vap`, [], {
        input: JSON.stringify({
          policies: docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy'),
          bindings: docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding'),
          namespaces, kubeVersion: this.kubeVersion,
          admissionRequests: members.map((i) => dir.cases[i]!.request),
        }),
        encoding: 'utf8', maxBuffer: 1 << 30,
      })) as { policies: { compileErrors?: string[]; schemaErrors?: string[] }[]; admissionResults: DispatchResult[] };
      const broken = out.policies.filter((p) => (p.compileErrors?.length ?? 0) + (p.schemaErrors?.length ?? 0) > 0);
      if (broken.length > 0) throw new Error(`vap: invalid policies: ${JSON.stringify(broken).slice(0, 2000)}`);
      members.forEach((caseIndex, n) => {
        const r = out.admissionResults[n]!;
        const failures = r.failures ?? [];
        const errored = failures.find((f) => f.evaluation === 'error' || f.validation < 0);
        if (r.error || errored) {
          outcomes[caseIndex] = { allowed: r.allowed, modes: {}, error: r.error ?? `${errored!.message}` };
          return;
        }
        const modes: AdmissionOutcome['modes'] = {};
        for (const f of failures) {
          const unit = bundle.byName.get(f.policy);
          if (!unit) throw new Error(`vap: a failure from an unknown policy ${f.policy}`);
          for (const a of f.actions) {
            if (MODE_OF_ACTION[a] !== unit.mode) throw new Error(`vap: ${f.policy} (${unit.mode}) failed with action ${a}`);
            const prefix = expectedPrefix(unit, expected[caseIndex]);
            if (prefix !== undefined && !f.message.startsWith(prefix)) throw new Error(`vap: ${f.policy}: message without PSA's prefix ${prefix}: ${f.message}`);
            (modes[unit.mode] ??= []).push(unit.checks[f.validation]!);
          }
        }
        for (const m of Object.keys(modes) as Mode[]) modes[m] = inUpstreamOrder([...new Set(modes[m])].map((check) => ({ check }))).map((v) => v.check);
        outcomes[caseIndex] = { allowed: r.allowed, modes };
      });
    }
    return outcomes;
  }
}
