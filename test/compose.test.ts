// Bundles compose: the bundles of different PSA configurations, for every
// target, build together in one kustomization with kustomize's own code
// (test/engines/kyverno/kustomize), so no two share a resource id.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../src/render.js';
import { ensureEngines } from './harness/engines.js';

const compile = (out: string, ...args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, 'bin/pss-compile.js'), ...args, '--out', out], { encoding: 'utf8', cwd: ROOT });

function kustomize(dir: string) {
  const r = spawnSync(join(ensureEngines().cache, 'bin/kustomize'), [dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CONFIGURATIONS: string[][] = [
  ['--admission-config', 'policies/psa/admission-configuration.yaml'],
  ['--admission-config', 'policies/psa/pod-security.yaml', '--exempt-namespaces', 'kube-system,monitoring'],
  ['--level', 'restricted', '--policy-version', 'v1.30'],
  ['--level', 'restricted', '--action', 'warn,audit'],
];
const TARGETS: string[][] = [
  ['--target', 'gatekeeper'], ['--target', 'vap'], ['--target', 'kyverno'], ['--target', 'kyverno', '--kyverno-flavor', 'clusterpolicy'],
];

describe('bundles compose in one kustomization', () => {
  it('of four configurations for every target and flavour, without a collision', () => {
    const root = mkdtempSync(join(tmpdir(), 'pss-compose-'));
    const bundles: string[] = [];
    let files = 0;
    CONFIGURATIONS.forEach((config, c) => TARGETS.forEach((target, t) => {
      const name = `bundle-${c}-${t}`;
      compile(join(root, name), ...target, ...config);
      bundles.push(name);
      files += parseAllDocuments(execFileSync('cat', [join(root, name, 'kustomization.yaml')], { encoding: 'utf8' }))[0]!.toJS().resources.length;
    }));
    writeFileSync(join(root, 'kustomization.yaml'), `resources:\n${bundles.map((b) => `  - ${b}\n`).join('')}`);
    const r = kustomize(root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const built = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(built).toHaveLength(files);
    expect(new Set(built.map((d) => `${d.kind}/${d.metadata.name}`)).size).toBe(files);
  });

  it('while the same bundle twice collides: kustomize does check', () => {
    const root = mkdtempSync(join(tmpdir(), 'pss-compose-'));
    for (const name of ['a', 'b']) compile(join(root, name), '--target', 'vap', '--level', 'baseline');
    writeFileSync(join(root, 'kustomization.yaml'), 'resources:\n  - a\n  - b\n');
    const r = kustomize(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already registered id/);
  });
});
