// Golden files: the compiler's output for each target, level and version
// boundary, byte-compared by the tests. `--update` rewrites them, `--check`
// exits 1 when any differs. The config schema file is checked the same way.
// No engines needed.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toStream } from '../../src/bundle.js';
import { compile } from '../../src/compile.js';
import { BOUNDARY_MINORS } from '../../src/model/registry.js';
import { versionLabel } from '../../src/model/version.js';
import { resolveOptions, type RawOptions } from '../../src/options.js';
import { ROOT } from '../../src/render.js';
import { SCHEMA_FILE, schemaText } from '../../src/config/schema.js';

export const GOLDEN_DIR = join(ROOT, 'golden');

/** golden file path (relative to golden/) → the options that produce it */
export function goldenCases(): Map<string, RawOptions> {
  const cases = new Map<string, RawOptions>();
  const versions = [...BOUNDARY_MINORS.map(versionLabel), 'latest'];
  const flavours: [string, RawOptions][] = [
    ['gatekeeper', { target: 'gatekeeper' }],
    ['vap', { target: 'vap' }],
    ['kyverno/validatingpolicy', { target: 'kyverno', kyvernoFlavor: 'validatingpolicy' }],
    ['kyverno/clusterpolicy', { target: 'kyverno', kyvernoFlavor: 'clusterpolicy' }],
  ];
  for (const [dir, base] of flavours) {
    for (const level of ['baseline', 'restricted']) {
      for (const version of versions) cases.set(`${dir}/${level}-${version}.yaml`, { ...base, level, policyVersion: version });
    }
    cases.set(`${dir}/privileged-latest.yaml`, { ...base, level: 'privileged' });
  }
  cases.set('gatekeeper/options/restricted-latest-rego-only.yaml', { target: 'gatekeeper', level: 'restricted', gatekeeperEngine: 'rego' });
  cases.set('gatekeeper/options/restricted-latest-cel-only.yaml', { target: 'gatekeeper', level: 'restricted', gatekeeperEngine: 'cel' });
  cases.set('kyverno/options/restricted-latest-warn-exempt.yaml',
    { target: 'kyverno', level: 'restricted', action: 'warn', exemptNamespaces: ['kube-system'] });
  cases.set('kyverno/options/clusterpolicy-baseline-latest-audit-exempt.yaml',
    { target: 'kyverno', kyvernoFlavor: 'clusterpolicy', level: 'baseline', action: 'audit', exemptNamespaces: ['kube-system'] });
  cases.set('vap/options/restricted-latest-warn-exempt.yaml',
    { target: 'vap', level: 'restricted', action: 'warn', exemptNamespaces: ['kube-system'] });
  cases.set('vap/options/restricted-latest-kube-1.35.yaml', { target: 'vap', level: 'restricted', kubeVersion: '1.35' });
  cases.set('gatekeeper/options/baseline-v1.30-warn-exempt.yaml',
    { target: 'gatekeeper', level: 'baseline', policyVersion: 'v1.30', action: 'warn', exemptNamespaces: ['kube-system', 'gatekeeper-system'] });
  // every exemption kind PSA has, in every target and flavour
  const exempt = { exemptNamespaces: ['kube-system'], exemptUsernames: ['system:serviceaccount:ops:debugger'], exemptRuntimeClasses: ['kata'] };
  cases.set('gatekeeper/options/restricted-latest-exemptions.yaml', { target: 'gatekeeper', level: 'restricted', ...exempt });
  cases.set('vap/options/restricted-latest-exemptions.yaml', { target: 'vap', level: 'restricted', ...exempt });
  cases.set('kyverno/options/restricted-latest-exemptions.yaml', { target: 'kyverno', level: 'restricted', ...exempt });
  cases.set('kyverno/options/clusterpolicy-restricted-latest-exemptions.yaml', { target: 'kyverno', kyvernoFlavor: 'clusterpolicy', level: 'restricted', ...exempt });
  cases.set('gatekeeper/options/restricted-latest-audit-rego-v0.yaml',
    { target: 'gatekeeper', level: 'restricted', action: 'audit', regoVersion: 'v0' });
  // mixed configurations: each mode at its own level and version, workloads warned and audited
  const recommended = { defaults: { enforce: 'baseline', warn: 'restricted', audit: 'restricted' } };
  const mixed = {
    defaults: { enforce: 'baseline', warn: 'restricted', 'warn-version': 'v1.25', audit: 'restricted' },
    exemptNamespaces: ['kube-system'], exemptUsernames: ['system:serviceaccount:ops:debugger'], exemptRuntimeClasses: ['kata'],
  };
  for (const [dir, base] of flavours) {
    cases.set(`${dir}/mixed/recommended.yaml`, { ...base, ...recommended });
    cases.set(`${dir}/mixed/baseline-latest-warn-restricted-v1.25-exemptions.yaml`, { ...base, ...mixed });
    // namespace-label mode: every version, and two versions (the rest denied by the version guard)
    cases.set(`${dir}/namespace-labels/recommended.yaml`, { ...base, ...recommended, namespaceLabels: true });
    cases.set(`${dir}/namespace-labels/recommended-v1.25-latest-exemptions.yaml`, { ...base, ...mixed, namespaceLabels: true, versions: ['v1.25', 'latest'] });
  }
  return cases;
}

export function renderGolden(options: RawOptions): string {
  return toStream(compile(resolveOptions(options)));
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

/** Files that differ, are missing, or are stale. */
export function goldenDrift(): string[] {
  const cases = goldenCases();
  const drift: string[] = [];
  for (const [file, options] of cases) {
    const path = join(GOLDEN_DIR, file);
    if (!existsSync(path)) drift.push(`missing: ${file}`);
    else if (readFileSync(path, 'utf8') !== renderGolden(options)) drift.push(`differs: ${file}`);
  }
  for (const file of listFiles(GOLDEN_DIR)) if (!cases.has(file)) drift.push(`stale: ${file}`);
  // the shipped config schema is generated too
  const schema = join(ROOT, SCHEMA_FILE);
  if (!existsSync(schema) || readFileSync(schema, 'utf8') !== schemaText()) drift.push(`differs: ${SCHEMA_FILE}`);
  return drift;
}

function main(mode: string | undefined): number {
  if (mode === '--update') {
    rmSync(GOLDEN_DIR, { recursive: true, force: true });
    for (const [file, options] of goldenCases()) {
      const path = join(GOLDEN_DIR, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, renderGolden(options));
    }
    mkdirSync(dirname(join(ROOT, SCHEMA_FILE)), { recursive: true });
    writeFileSync(join(ROOT, SCHEMA_FILE), schemaText());
    console.log(`golden: wrote ${goldenCases().size} files under golden/, and ${SCHEMA_FILE}`);
    return 0;
  }
  if (mode === '--check') {
    const drift = goldenDrift();
    for (const line of drift) console.error(`golden: ${line}`);
    if (drift.length > 0) {
      console.error('golden: output differs from golden/; review and run `npm run golden:update`');
      return 1;
    }
    console.log(`golden: ${goldenCases().size} files match`);
    return 0;
  }
  console.error('usage: golden --update | --check');
  return 2;
}

if (process.argv[1]?.endsWith('golden.js')) process.exitCode = main(process.argv[2]);
