// Bundles compose: the bundles of different PSA configurations, for every
// target, build together in one kustomization with kustomize's own code
// (test/engines/kyverno/kustomize), so no two share a resource id.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
      // every file the bundle's record lists, but its kustomizations and the record itself, is one resource
      files += (parseAllDocuments(readFileSync(join(root, name, 'pss-compile.bundle.yaml'), 'utf8'))[0]!.toJS().files as string[])
        .filter((f) => !/(^|\/)(kustomization|pss-compile\.bundle)\.yaml$/.test(f)).length;
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

describe('apply order and GitOps conventions, as kustomize builds them', () => {
  const built = (dir: string) => {
    const r = kustomize(dir);
    expect(r.stderr).toBe('');
    return parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; apiVersion: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } });
  };

  it('puts every ConstraintTemplate before any Constraint, and builds each stage on its own', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pss-order-')), 'bundle');
    compile(out, '--target', 'gatekeeper', '--admission-config', 'policies/psa/admission-configuration.yaml');
    const all = built(out);
    const isTemplate = (d: { kind: string }) => d.kind === 'ConstraintTemplate';
    expect(all.filter(isTemplate)).toHaveLength(5);
    expect(all).toHaveLength(10);
    const lastTemplate = all.map(isTemplate).lastIndexOf(true);
    const firstConstraint = all.map(isTemplate).indexOf(false);
    expect(lastTemplate).toBeLessThan(firstConstraint);
    expect(built(join(out, 'templates')).every(isTemplate)).toBe(true);
    const constraints = built(join(out, 'constraints'));
    expect(constraints.map((c) => c.apiVersion)).toEqual(Array(5).fill('constraints.gatekeeper.sh/v1beta1'));
    // Argo CD: templates first, and no dry run of a kind Gatekeeper has yet to create
    for (const c of constraints) {
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('1');
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
    }
    for (const t of all.filter(isTemplate)) expect(t.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('0');
    // why the top kustomization asks for fifo: kustomize's default kind order puts the Constraints first
    writeFileSync(join(out, 'kustomization.yaml'), readFileSync(join(out, 'kustomization.yaml'), 'utf8').replace(/sortOptions:[^]*$/, ''));
    expect(isTemplate(built(out)[0]!)).toBe(false);
  });

  it.each(TARGETS)('labels every resource app.kubernetes.io/managed-by: pss-compile (%s …)', (...target) => {
    const out = join(mkdtempSync(join(tmpdir(), 'pss-label-')), 'bundle');
    compile(out, ...target, '--admission-config', 'policies/psa/admission-configuration.yaml', '--namespace-labels');
    const all = built(out);
    expect(all.length).toBeGreaterThan(0);
    for (const d of all) expect(d.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'pss-compile' });
  });
});
