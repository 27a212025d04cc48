// `npm run bench -- --compare DIR`: another bundle (a public policy library,
// say) measured by the same harness on the same pods as ours.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Doc = Record<string, any>;

export interface PeerBundle {
  /** ConstraintTemplates and their Constraints */
  gatekeeper: Doc[];
  /** ClusterPolicy, Policy, ValidatingPolicy */
  kyverno: Doc[];
  /** ValidatingAdmissionPolicy (bindings are not needed: every policy is evaluated against every pod) */
  vap: Doc[];
  /** documents of other kinds, skipped */
  skipped: number;
}

function yamlFiles(path: string): string[] {
  if (statSync(path).isDirectory()) return readdirSync(path).sort().flatMap((n) => yamlFiles(join(path, n)));
  return /\.ya?ml$/.test(path) ? [path] : [];
}

export function loadPeerBundle(dir: string): PeerBundle {
  const bundle: PeerBundle = { gatekeeper: [], kyverno: [], vap: [], skipped: 0 };
  for (const file of yamlFiles(dir)) {
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      const doc = d.toJS() as Doc | null;
      const group = String(doc?.apiVersion ?? '').split('/')[0];
      if (!doc) continue;
      if (group === 'templates.gatekeeper.sh' || group === 'constraints.gatekeeper.sh') bundle.gatekeeper.push(doc);
      else if ((group === 'kyverno.io' && ['ClusterPolicy', 'Policy'].includes(doc.kind)) || (group === 'policies.kyverno.io' && doc.kind === 'ValidatingPolicy')) bundle.kyverno.push(doc);
      else if (group === 'admissionregistration.k8s.io' && doc.kind === 'ValidatingAdmissionPolicy') bundle.vap.push(doc);
      else bundle.skipped++;
    }
  }
  return bundle;
}
