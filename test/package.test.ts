// The npm package as users get it: packed, installed into an empty directory,
// and run through the README's CI and GitOps examples there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/render.js';

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
});
