// Admission engine `check`: each request through src/evaluate, the engine of
// `pss-compile check`, with the bundle's own admission plan and the case's
// Namespaces (label mode reads them as PSA's namespace lister would).
import { evaluateRequest } from '../../../src/evaluate/admission.js';
import { bundleFor, expectedPrefix } from './bundle.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import type { OracleOutcome } from './oracle.js';

export class CheckAdmissionEngine implements AdmissionEngine {
  readonly id = 'check';

  async evaluate(dir: CaseDir, expected: readonly OracleOutcome[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir, { target: 'vap' });
    const units = bundle.units;
    return dir.cases.map((c, i): AdmissionOutcome => {
      const outcome = evaluateRequest({ units, exemptNamespaces: bundle.options.exemptNamespaces }, c.request,
        (name) => c.namespaces.find((n) => n.metadata?.name === name));
      const modes: AdmissionOutcome['modes'] = {};
      let error: string | undefined;
      for (const [mode, result] of Object.entries(outcome.modes)) {
        const unit = units.find((u) => u.mode === mode)!;
        const prefix = expectedPrefix(unit, expected[i]);
        const unprefixed = result!.failures.find((f) => f.prefix !== '' && prefix !== undefined && f.prefix !== prefix);
        if (unprefixed) error = `${mode}: prefix ${unprefixed.prefix}, upstream's ${prefix}`;
        modes[mode as keyof typeof modes] = result!.failures.map((f) => f.check);
      }
      return { allowed: outcome.allowed, modes, ...(error ? { error } : {}) };
    });
  }
}
