// Admission engine `rego-wasm`: the bundle's Rego, compiled by `opa` to WASM,
// given each request as Gatekeeper's `input.review` (the AdmissionRequest).
// Which requests reach a constraint is Gatekeeper's matching (kinds,
// excludedNamespaces), proven through gator; here the Constraint's kinds and
// excludedNamespaces decide which requests are reviewed at all.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../../src/compile.js';
import { resolveOptions, type RegoVersion } from '../../../src/options.js';
import { gatekeeperRego } from '../../../src/targets/gatekeeper/index.js';
import { inUpstreamOrder } from '../engine.js';
import { buildWasmModules } from '../regoWasm.js';
import { bundleSpec } from './bundle.js';
import type { CaseDir } from './cases.js';
import type { AdmissionEngine, AdmissionOutcome } from './outcome.js';

interface Violation { msg: string; details: { check: string } }

export class RegoWasmAdmissionEngine implements AdmissionEngine {
  readonly id: string;
  /** `edit` rewrites the generated Rego first: the suite plants known bugs with it */
  constructor(private readonly regoVersion: RegoVersion = 'v1', private readonly edit: (rego: string) => string = (r) => r, id?: string) {
    this.id = id ?? (regoVersion === 'v1' ? 'rego-wasm' : `rego-wasm-${regoVersion}`);
  }

  async evaluate(dir: CaseDir): Promise<AdmissionOutcome[]> {
    const { options, mode } = bundleSpec(dir.config);
    const o = resolveOptions({ ...options, target: 'gatekeeper', regoVersion: this.regoVersion });
    const rego = this.edit(gatekeeperRego(o));
    const pkg = /^package (\S+)/m.exec(rego)![1]!;
    const policy = await loadPolicy(buildWasmModules([{ entry: `${pkg}/violation`, rego }], this.regoVersion));
    policy.setData({});
    const constraint = compile(o).flatMap((d) => parseAllDocuments(d.yaml).map((x) => x.toJS())).find((d) => d.apiVersion?.startsWith('constraints.'));
    const kinds: string[] = constraint.spec.match.kinds.flatMap((k: { kinds: string[] }) => k.kinds);
    const excluded: string[] = constraint.spec.match.excludedNamespaces ?? [];
    return dir.cases.map((c): AdmissionOutcome => {
      const r = c.request;
      if (!kinds.includes(r.kind.kind) || excluded.includes(r.namespace ?? '')) return { allowed: true, modes: {} };
      const result = policy.evaluate({ review: r, parameters: {} }, `${pkg}/violation`) as { result: Violation[] }[];
      const checks = inUpstreamOrder((result[0]?.result ?? []).map((v) => ({ check: v.details.check }))).map((v) => v.check);
      if (checks.length === 0) return { allowed: true, modes: {} };
      return { allowed: mode !== 'enforce', modes: { [mode]: checks } };
    });
  }
}
