// The npm package as users get it: packed, installed into an empty directory,
// and run through the README's CI and GitOps examples there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';
import { stringify } from 'yaml';
import { WORKLOAD_TEMPLATES } from '../src/model/pod.js';
import { OWN_FIXTURES } from './harness/fixtures.js';
import { runOracle } from './harness/oracle.js';
import { loadPods } from './harness/pods.js';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; files: string[] };

/** the README's marked examples, in order: files to write and shell lines to run */
function readmeExamples(): { files: [string, string][]; lines: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const files: [string, string][] = [];
  const lines: string[] = [];
  for (const m of readme.matchAll(/<!-- package-test: (file (\S+)|run) -->\n```\w*\n([^]*?)```/g)) {
    if (m[2]) files.push([m[2], m[3]!]);
    else lines.push(...m[3]!.split('\n').filter((l) => l.trim() !== ''));
  }
  return { files, lines };
}

describe('the packed package', () => {
  let listed: string[] = [];
  let home = '';

  beforeAll(() => {
    const dest = mkdtempSync(join(tmpdir(), 'pss-pack-'));
    // dist/ is built by `npm test`; --ignore-scripts keeps pack from building again
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' })) as
      { filename: string; files: { path: string }[] }[];
    listed = packed[0]!.files.map((f) => f.path);
    home = mkdtempSync(join(tmpdir(), 'pss-install-'));
    writeFileSync(join(home, 'package.json'), '{ "name": "pss-install-test", "private": true }\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dest, packed[0]!.filename)], { cwd: home, encoding: 'utf8' });
  });

  it('ships only the compiler, templates, schema, LICENSE and README', () => {
    const allowed = /^(bin\/|dist\/src\/|templates\/|schema\/pss-compile\.schema\.json$|LICENSE$|README\.md$|package\.json$)/;
    expect(listed.filter((f) => !allowed.test(f))).toEqual([]);
    expect(listed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'schema/pss-compile.schema.json', 'bin/pss-compile.js', 'dist/src/cli.js']));
    expect(listed.some((f) => f.startsWith('dist/test/'))).toBe(false);
  });

  it('depends at runtime on exactly the packages the compiler imports', () => {
    const imported = new Set<string>();
    for (const f of listed.filter((p) => p.endsWith('.js'))) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/(?:from\s+|import\()\s*'([^'.][^']*)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(PKG.dependencies).sort());
  });

  it('runs the README\'s CI and GitOps examples in an empty directory', () => {
    const { files, lines } = readmeExamples();
    expect(files.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(5);
    for (const [name, text] of files) writeFileSync(join(home, name), text);
    const env = { ...process.env, PATH: `${join(home, 'node_modules/.bin')}:${process.env.PATH}` };
    for (const line of lines) {
      const r = spawnSync('bash', ['-c', line], { cwd: home, env, encoding: 'utf8' });
      const expected = Number(/# exit (\d)/.exec(line)?.[1] ?? 0);
      expect({ line, code: r.status, stderr: expected === 0 ? r.stderr : '' }).toEqual({ line, code: expected, stderr: '' });
      if (/--check --diff/.test(line) && expected === 1) expect(r.stdout).toMatch(/^differs: .*constraints\/constraint-.*\n--- /);
    }
    // the bundle set wrote three bundles, and the examples left them as generated
    expect(readdirSync(join(home, 'deploy')).sort()).toEqual(['gatekeeper', 'kyverno', 'vap']);
    expect(spawnSync('bash', ['-c', 'pss-compile --config pod-security.yaml --check'], { cwd: home, env }).status).toBe(0);
  });

  it('check, from the package alone: a directory of Deployments, a Helm-style stream on stdin, a SARIF report', () => {
    const pods = loadPods([`${OWN_FIXTURES}/overrides.yaml`, `${OWN_FIXTURES}/capabilities.yaml`], ROOT).slice(0, 12);
    const deployment = WORKLOAD_TEMPLATES.find((w) => w.kind === 'Deployment')!;
    const deployments = pods.map((p, i) => ({
      apiVersion: `${deployment.group}/${deployment.version}`, kind: deployment.kind, metadata: { name: `app${i}`, namespace: 'shop' },
      spec: { selector: { matchLabels: { app: `app${i}` } }, template: { metadata: { labels: { app: `app${i}` } }, spec: p.pod.spec } },
    }));
    const verdicts = (level: string) => runOracle(pods.map((p) => p.pod), pods.map(() => [[level, 'latest'] as const])).map((r) => r.verdicts![0]!);
    const restricted = verdicts('restricted');
    const baseline = verdicts('baseline');
    expect(restricted.some((v) => !v.allowed) && baseline.some((v) => v.allowed)).toBe(true);
    mkdirSync(join(home, 'manifests', 'shop'), { recursive: true });
    deployments.forEach((d, i) => writeFileSync(join(home, 'manifests', i % 2 ? 'shop' : '', `${d.metadata.name}.yaml`), stringify(d)));
    const env = { ...process.env, PATH: `${join(home, 'node_modules/.bin')}:${process.env.PATH}` };
    const check = (args: string, input?: string) => spawnSync('bash', ['-c', `pss-compile check ${args}`], { cwd: home, env, input, encoding: 'utf8' });

    const dir = check('--level restricted manifests');
    const lines = dir.stdout.trimEnd().split('\n');
    const rejected = deployments.flatMap((d, i) => (restricted[i]!.allowed ? [] : [`Deployment/${d.metadata.name} (namespace shop): violates PodSecurity "restricted:latest": ${restricted[i]!.message}`]));
    expect(lines.slice(0, -1).map((l) => l.replace(/^\S+ /, '')).sort()).toEqual(rejected.sort());
    expect(lines.at(-1)).toMatch(new RegExp(`^${pods.length} objects checked in ${pods.length} files: ${rejected.length} rejected by enforce`));
    expect({ status: dir.status, stderr: dir.stderr }).toEqual({ status: 1, stderr: '' });

    // helm template's stream: `# Source:` comments, documents separated by ---
    const stream = deployments.map((d) => `---\n# Source: app/templates/${d.metadata.name}.yaml\n${stringify(d)}`).join('');
    const helm = check('--level baseline -f json -', stream);
    const results = JSON.parse(helm.stdout).results as { name: string; line: number; allowed: boolean; reasons: string[] }[];
    expect(results.map((r) => [r.name, r.allowed, r.reasons.join(', ')])).toEqual(deployments.map((d, i) => [d.metadata.name, baseline[i]!.allowed, baseline[i]!.allowed ? '' : baseline[i]!.message]));
    expect(results.map((r) => r.line)).toEqual(deployments.map((_, i) => stream.split('\n').findIndex((l, n) => l === 'apiVersion: apps/v1' && stream.split('\n').slice(0, n).filter((x) => x === '---').length === i + 1) + 1));
    expect(helm.status).toBe(baseline.every((v) => v.allowed) ? 0 : 1);

    const sarifRun = check('--level restricted -f sarif manifests > pss.sarif');
    const sarif = JSON.parse(readFileSync(join(home, 'pss.sarif'), 'utf8'));
    const failing = restricted.flatMap((v) => v.reasons);
    expect(sarif.runs[0].results.map((r: { ruleId: string; level: string }) => r.level)).toEqual(failing.map(() => 'error'));
    expect(sarifRun.status).toBe(1);
    expect(check('--level restricted no-such-dir').status).toBe(2);
  });
});
