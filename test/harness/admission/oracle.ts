// The admission oracle: upstream's admission code (k8s.io/pod-security-admission
// admission.Admission.Validate), configured by each directory's config.yaml
// through upstream's loader, as a child process (test/engines/core/admission).
import { execFileSync } from 'node:child_process';
import { ensureEngines } from '../engines.js';
import type { CaseDir } from './cases.js';
import type { Mode } from './bundle.js';
import type { AdmissionOutcome } from './outcome.js';

interface OracleResult {
  evaluated: boolean;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  modes?: Partial<Record<Mode, { policy: string; checks: string[] }>>;
  error?: string;
}

export interface OracleOutcome extends AdmissionOutcome {
  raw: OracleResult;
}

export function runAdmissionOracle(dirs: readonly CaseDir[]): OracleOutcome[][] {
  const { cache } = ensureEngines();
  const input = {
    configs: dirs.map((d) => d.configText),
    cases: dirs.flatMap((d, config) => d.cases.map((c) => ({ config, namespaces: c.namespaces, request: c.request }))),
  };
  const out = JSON.parse(execFileSync(`${cache}/bin/admission`, [], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 30 })) as
    { configs: { error?: string }[]; results: OracleResult[] };
  const bad = out.configs.findIndex((c) => c.error);
  if (bad >= 0) throw new Error(`${dirs[bad]!.dir}/config.yaml: ${out.configs[bad]!.error}`);
  let next = 0;
  return dirs.map((d) => d.cases.map(() => {
    const raw = out.results[next++]!;
    const modes = Object.fromEntries(Object.entries(raw.modes ?? {}).map(([m, r]) => [m, r!.checks]));
    return { allowed: raw.allowed, modes, raw, ...(raw.error ? { error: raw.error } : {}) };
  }));
}
