// Locates the real engines, building them from the pinned Go modules when missing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/render.js';

export interface EngineBinaries {
  cache: string;
  opa: string;
  /** Regal, the Rego linter */
  regal: string;
  oracle: string;
  /** upstream fixture corpus, read in place from the pinned module */
  corpusDir: string;
  psaVersion: string;
  /** the pinned Kyverno module (its CRDs are under config/crds) */
  kyvernoModuleDir: string;
  /** Gatekeeper's constraint framework module (the ConstraintTemplate CRD) */
  gatekeeperFrameworkDir: string;
}

let built: EngineBinaries | undefined;

export function ensureEngines(): EngineBinaries {
  if (built) return built;
  const cache = execFileSync('bash', [join(ROOT, 'test/engines/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim().split('\n').at(-1)!;
  built = {
    cache,
    opa: join(cache, 'bin/opa'),
    regal: join(cache, 'bin/regal'),
    oracle: join(cache, 'bin/oracle'),
    corpusDir: readFileSync(join(cache, 'corpus-dir'), 'utf8').trim(),
    psaVersion: readFileSync(join(cache, 'psa-version'), 'utf8').trim(),
    kyvernoModuleDir: readFileSync(join(cache, 'kyverno-module-dir'), 'utf8').trim(),
    gatekeeperFrameworkDir: readFileSync(join(cache, 'gatekeeper-framework-dir'), 'utf8').trim(),
  };
  return built;
}
