// Admission engine `rego-wasm`: each unit's Rego, compiled by `opa` to WASM,
// given each request as Gatekeeper's `input.review` (the AdmissionRequest).
// Which requests reach a constraint is Gatekeeper's matching (kinds,
// excludedNamespaces), proven through gator; here each unit's Constraint
// kinds and excludedNamespaces decide which requests it reviews at all.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../../src/compile.js';
import type { RegoVersion } from '../../../src/options.js';
import { gatekeeperRego } from '../../../src/targets/gatekeeper/index.js';
import { inUpstreamOrder } from '../engine.js';
import { buildWasmModules } from '../regoWasm.js';
import { bundleFor, expectedPrefix } from './bundle.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';
import type { OracleOutcome } from './oracle.js';

interface Violation { msg: string; details: { check: string } }

export class RegoWasmAdmissionEngine implements AdmissionEngine {
  readonly id: string;
  /** `edit` rewrites the generated Rego first: the suite plants known bugs with it */
  constructor(private readonly regoVersion: RegoVersion = 'v1', private readonly edit: (rego: string) => string = (r) => r, id?: string) {
    this.id = id ?? (regoVersion === 'v1' ? 'rego-wasm' : `rego-wasm-${regoVersion}`);
  }

  async evaluate(dir: CaseDir, expected: readonly OracleOutcome[]): Promise<AdmissionOutcome[]> {
    const bundle = bundleFor(dir, { target: 'gatekeeper', regoVersion: this.regoVersion });
    const modules = bundle.units.map((u) => ({ unit: u, entry: `${u.kind.toLowerCase()}/violation`, rego: this.edit(gatekeeperRego(u, bundle.options)) }));
    const policy = modules.length ? await loadPolicy(buildWasmModules(modules.map(({ entry, rego }) => ({ entry, rego })), this.regoVersion)) : undefined;
    policy?.setData({});
    const constraints = compile(bundle.options).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS()))
      .filter((d) => d.apiVersion?.startsWith('constraints.'));
    return dir.cases.map((c, i): AdmissionOutcome => {
      const r = c.request;
      // Gatekeeper's webhook sends the request's Namespace with it (util.NamespaceReviewOpt)
      const namespaceObject = c.namespaces.find((n) => n.metadata?.name === r.namespace);
      const review = namespaceObject ? { ...r, namespaceObject } : r;
      const modes: AdmissionOutcome['modes'] = {};
      let error: string | undefined;
      for (const m of modules) {
        const constraint = constraints.find((k) => k.metadata.name === m.unit.name);
        const kinds: string[] = constraint.spec.match.kinds.flatMap((k: { kinds: string[] }) => k.kinds);
        const excluded: string[] = constraint.spec.match.excludedNamespaces ?? [];
        if (!kinds.includes(r.kind.kind) || excluded.includes(r.namespace ?? '')) continue;
        const result = policy!.evaluate({ review, parameters: {} }, m.entry) as { result: Violation[] }[];
        const violations = result[0]?.result ?? [];
        const prefix = expectedPrefix(m.unit, expected[i]);
        const unprefixed = prefix === undefined ? undefined : violations.find((v) => !v.msg.startsWith(prefix));
        if (unprefixed) error = `${m.unit.name}: message without PSA's prefix: ${unprefixed.msg}`;
        const checks = inUpstreamOrder(violations.map((v) => ({ check: v.details.check }))).map((v) => v.check);
        if (checks.length > 0) modes[m.unit.mode] = checks;
      }
      return { allowed: !modes.enforce, modes, ...(error ? { error } : {}) };
    });
  }
}
