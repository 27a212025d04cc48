// The CLI around CI and GitOps: --version's one job, bundle sets, the shipped
// schema, --check/--diff from a bundle's record, and writes that never lose a
// user's file. Everything runs the real CLI as a process.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, rmSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync,
  type Dirent,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT, PACKAGE_VERSION } from '../src/render.js';
import { BUNDLE_PROPERTIES, CONFIG_SCHEMA, SCHEMA_FILE } from '../src/config/schema.js';
import { RAW_OPTION_KEYS } from '../src/options.js';
import { runDiff, runExplain } from '../src/explain/index.js';

const CLI = join(ROOT, 'bin/pss-compile.js');
function run(args: string[], opts: { cwd?: string; shell?: string } = {}) {
  const r = opts.shell
    ? spawnSync('sh', ['-c', opts.shell], { encoding: 'utf8', cwd: opts.cwd ?? ROOT })
    : spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: opts.cwd ?? ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'pss-gitops-'));
const walk = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
  .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
const snapshot = (dir: string) => Object.fromEntries(walk(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const HEAD = 'apiVersion: pss-compile.dev/v1alpha1\n';
const SET = `${HEAD}kind: BundleSet
bundles:
  - target: gatekeeper
    admissionConfig: ${join(ROOT, 'policies/psa/pod-security.yaml')}
    out: out/gatekeeper
  - target: vap
    level: restricted
    action: [warn, audit]
    kubeVersion: 1.30
    out: out/vap
  - target: kyverno
    kyvernoFlavor: clusterpolicy
    level: baseline
    out: out/kyverno.yaml
`;

describe('--version does one job', () => {
  it('prints the tool version alone, and nothing else', () => {
    expect(run(['--version'])).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });
  it('never compiles: an empty $V after it is an error, not a bundle', () => {
    const dir = tmp();
    const r = run([], { shell: `V=; node ${CLI} -t vap -l restricted --version $V -o ${dir}/b > ${dir}/bundle.yaml`, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the policy version is --policy-version/);
    expect(readFileSync(join(dir, 'bundle.yaml'), 'utf8')).toBe('');
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });
  it('takes the policy version from --policy-version', () => {
    const docs = parseAllDocuments(run(['-t', 'vap', '-l', 'restricted', '--policy-version', 'v1.30']).stdout).map((d) => d.toJS());
    expect(docs[0].metadata.annotations['pss-compile.dev/version']).toBe('v1.30');
  });
});

describe('bundle sets and the config schema', () => {
  it('writes every bundle of a set, each to its own out, relative to the set file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'set.yaml'), SET);
    const r = run(['--config', 'set.yaml'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['gatekeeper', 'kyverno.yaml', 'vap']);
    expect(walk(join(dir, 'out/gatekeeper'))).toContain('templates/kustomization.yaml');
    // an unquoted 1.30 is the Kubernetes version 1.30, not the float 1.3
    expect(readFileSync(join(dir, 'out/vap/pss-compile.bundle.yaml'), 'utf8')).toContain('kubeVersion: "1.30"');
    expect(parseAllDocuments(readFileSync(join(dir, 'out/kyverno.yaml'), 'utf8')).map((d) => d.toJS().kind)).toEqual(['ClusterPolicy']);
    expect(run(['--config', 'set.yaml', '--check'], { cwd: dir }).code).toBe(0);
  });

  it('compiles every bundle before writing any: one bad bundle writes nothing', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'set.yaml'), SET.replace('level: baseline', 'level: baseline\n    policyVersion: v1.x'));
    const r = run(['--config', 'set.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pss-compile: set.yaml:15:20: bundles[2].policyVersion: "v1.x" must be v1.N or latest\n');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([
    ['a bundle set with -o', `${HEAD}kind: BundleSet\nbundles:\n  - {target: vap, level: baseline, out: a}\n  - {target: vap, level: restricted, out: b}\n`, ['-o', 'x'], /--out: .* has 2 bundles, each written to its own out/],
    ['a bundle without out in a set', `${HEAD}kind: BundleSet\nbundles:\n  - {target: vap, level: baseline, out: a}\n  - {target: vap, level: restricted}\n`, [], /set\.yaml:5:5: each bundle of a set needs an out/],
    ['two bundles to one out', `${HEAD}kind: BundleSet\nbundles:\n  - {target: vap, level: baseline, out: a}\n  - {target: vap, level: restricted, out: ./a}\n`, [], /two bundles write to /],
    ['bundle options at a set\'s top level', `${HEAD}kind: BundleSet\ntarget: vap\nbundles:\n  - {target: vap, level: baseline, out: a}\n`, [], /set\.yaml:3:1: "target" belongs in a bundle/],
    ['an unknown kind', `${HEAD}kind: Bundles\n`, [], /set\.yaml:2:7: kind: "Bundles" is not allowed; one of Bundle, BundleSet \(did you mean "Bundle"\?\)/],
    ['a misspelt key in a bundle', `${HEAD}kind: BundleSet\nbundles:\n  - target: vap\n    exemptNamespace: [a]\n`, [], /set\.yaml:5:5: unknown key "exemptNamespace" \(did you mean "exemptNamespaces"\?\)/],
    ['a bad kube version', `${HEAD}kind: Bundle\ntarget: vap\nlevel: baseline\nkubeVersion: v1.30\n`, [], /set\.yaml:5:14: kubeVersion: "v1\.30" must be 1\.N/],
  ])('rejects %s with file, line and column', (_, text, extra, message) => {
    const dir = tmp();
    writeFileSync(join(dir, 'set.yaml'), text);
    const r = run(['--config', 'set.yaml', ...extra], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['set.yaml']);
  });

  it('ships a JSON Schema, generated from the same source, that every example and record satisfies', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(CONFIG_SCHEMA)));
    const validate = new Ajv({ strict: false }).compile(shipped);
    const dir = tmp();
    run(['-t', 'gatekeeper', '--admission-config', 'policies/psa/pod-security.yaml', '--namespace-labels', '--versions', 'v1.25,latest', '-o', join(dir, 'b')]);
    const files = [
      ...readdirSync(join(ROOT, 'policies')).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'policies', f)),
      join(dir, 'b/pss-compile.bundle.yaml'),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(validate(parse(text)), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      if (file.includes('/policies/')) expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/pss-compile.schema.json');
    }
    expect(validate({ apiVersion: 'pss-compile.dev/v1alpha1', kind: 'Bundle', levl: 'baseline' })).toBe(false);
    // a bundle's keys are the compiler's options, plus where it goes
    expect(Object.keys(BUNDLE_PROPERTIES).sort()).toEqual([...RAW_OPTION_KEYS, 'out'].sort());
  });
});

describe('--check and --diff', () => {
  const bundle = () => {
    const dir = tmp();
    const out = join(dir, 'b');
    expect(run(['-t', 'gatekeeper', '-l', 'restricted', '--exempt-namespaces', 'kube-system', '-o', out]).code).toBe(0);
    return out;
  };

  it('exits 0 on a fresh bundle, from its record alone', () => {
    const out = bundle();
    expect(run(['--check', out])).toEqual({ code: 0, stdout: `up to date: ${out}\n`, stderr: '' });
  });

  it('exits 1 listing each differing, missing and extra file, and writes nothing', () => {
    const out = bundle();
    const [constraint] = walk(out).filter((f) => f.startsWith('constraints/constraint-'));
    writeFileSync(join(out, constraint!), readFileSync(join(out, constraint!), 'utf8').replace('kube-system', 'kube-public'));
    const template = walk(out).find((f) => f.startsWith('templates/constrainttemplate-'))!;
    const stale = 'templates/constrainttemplate-old.yaml';
    writeFileSync(join(out, stale), '# generated by pss-compile 0.0.1 — do not edit\n');
    const record = join(out, 'pss-compile.bundle.yaml');
    writeFileSync(record, readFileSync(record, 'utf8').replace('files:\n', `files:\n  - ${stale}\n`));
    const removed = readFileSync(join(out, template), 'utf8');
    rmSync(join(out, template));
    writeFileSync(join(out, 'NOTES.md'), 'ours, not the tool\'s');
    const before = snapshot(out);
    const r = run(['--check', out]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `differs: ${join(out, constraint!)}`, `differs: ${record}`, `extra: ${join(out, stale)}`, `missing: ${join(out, template)}`,
    ].sort());
    expect(r.stderr).toBe('pss-compile: 4 files would change; run without --check to write them\n');
    expect(snapshot(out)).toEqual(before);
    // --diff: a unified diff from what is on disk to what would be written
    const d = run(['--check', '--diff', out]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`--- ${join(out, constraint!)}\n+++ ${join(out, constraint!)}\n@@ `);
    expect(d.stdout).toMatch(/\n-.*"kube-public".*\n\+.*"kube-system".*\n/);
    expect(d.stdout).toContain(`--- /dev/null\n+++ ${join(out, template)}\n@@ -0,0 +1,${removed.split('\n').length - 1} @@\n`);
    // writing again repairs it, removes our stale file and keeps the user's
    expect(run(['--config', record]).code).toBe(0);
    expect(run(['--check', out]).code).toBe(0);
    expect(existsSync(join(out, stale))).toBe(false);
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('ours, not the tool\'s');
  });

  it('checks a bundle against flags with --out, and a stream file', () => {
    const dir = tmp();
    const args = ['-t', 'vap', '-l', 'baseline', '-o', join(dir, 'bundle.yaml')];
    expect(run(args).code).toBe(0);
    expect(run([...args, '--check']).code).toBe(0);
    const changed = run(['-t', 'vap', '-l', 'restricted', '-o', join(dir, 'bundle.yaml'), '--check', '--diff']);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^differs: .*bundle\.yaml\n--- /);
    expect(run([...args.slice(0, -2), '--check']).stderr).toMatch(/--check: nothing to compare with/);
    expect(run(['--check', dir]).stderr).toMatch(/no pss-compile\.bundle\.yaml here; not a pss-compile bundle directory/);
  });
});

describe('safe writes', () => {
  it('replaces only files it wrote, removes its own stale files, and keeps everything else', () => {
    const out = join(tmp(), 'b');
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, '.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, 'NOTES.md'), 'notes');
    writeFileSync(join(out, 'patch.yaml'), 'kind: Patch\n');
    expect(run(['-t', 'gatekeeper', '-l', 'baseline', '-o', out]).code).toBe(0);
    const first = walk(out);
    expect(run(['-t', 'vap', '-l', 'baseline', '-o', out]).code).toBe(0);
    const second = walk(out);
    expect(second).toEqual(expect.arrayContaining(['.git/HEAD', 'NOTES.md', 'patch.yaml']));
    expect(second.filter((f) => first.includes(f) && f.startsWith('templates/'))).toEqual([]);
    expect(existsSync(join(out, 'templates'))).toBe(false);
    expect(readFileSync(join(out, 'patch.yaml'), 'utf8')).toBe('kind: Patch\n');
  });

  it('removes a stale file only if it is still ours, even when the record was edited to list a user file', () => {
    const out = join(tmp(), 'b');
    expect(run(['-t', 'vap', '-l', 'baseline', '-o', out]).code).toBe(0);
    writeFileSync(join(out, 'NOTES.md'), 'notes');
    const record = join(out, 'pss-compile.bundle.yaml');
    writeFileSync(record, readFileSync(record, 'utf8').replace('files:\n', 'files:\n  - NOTES.md\n  - ../outside.yaml\n'));
    writeFileSync(join(out, '..', 'outside.yaml'), '# generated by pss-compile 0.0.1\n');
    // --check agrees with what a write would do: neither file is ours to remove
    expect(run(['-t', 'vap', '-l', 'baseline', '-o', out, '--check']).stdout).toBe(`differs: ${record}\n`);
    expect(run(['-t', 'vap', '-l', 'restricted', '-o', out]).code).toBe(0);
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('notes');
    expect(existsSync(join(out, '..', 'outside.yaml'))).toBe(true);
  });

  it('creates directories 0755 and files 0644 under the default umask, and respects a stricter one', () => {
    const dir = tmp();
    run([], { shell: `umask 022 && node ${CLI} -t gatekeeper -l baseline -o ${dir}/a/b` });
    run([], { shell: `umask 077 && node ${CLI} -t gatekeeper -l baseline -o ${dir}/c` });
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect([mode(join(dir, 'a')), mode(join(dir, 'a/b')), mode(join(dir, 'a/b/templates'))]).toEqual(['755', '755', '755']);
    expect(new Set(walk(join(dir, 'a/b')).map((f) => mode(join(dir, 'a/b', f))))).toEqual(new Set(['644']));
    expect([mode(join(dir, 'c')), ...walk(join(dir, 'c')).map((f) => mode(join(dir, 'c', f)))].every((m) => m === '700' || m === '600')).toBe(true);
  });

  it('writes through a symlinked --out, which stays a symlink', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(run(['-t', 'vap', '-l', 'baseline', '-o', join(dir, 'link')]).code).toBe(0);
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(realpathSync(join(dir, 'link'))).toBe(join(realpathSync(dir), 'real'));
    expect(walk(join(dir, 'real'))).toContain('kustomization.yaml');
  });

  it('writes -o x.yaml as one stream file, and never replaces a file it did not write', () => {
    const dir = tmp();
    expect(run(['-t', 'vap', '-l', 'baseline', '-o', join(dir, 'x.yaml')]).code).toBe(0);
    expect(statSync(join(dir, 'x.yaml')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'x.yaml'), 'utf8')).toBe(run(['-t', 'vap', '-l', 'baseline']).stdout);
    writeFileSync(join(dir, 'mine.yaml'), 'kind: Mine\n');
    const r = run(['-t', 'vap', '-l', 'baseline', '-o', join(dir, 'mine.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mine\.yaml: exists and was not written by pss-compile; refusing to replace it/);
    expect(readFileSync(join(dir, 'mine.yaml'), 'utf8')).toBe('kind: Mine\n');
  });

  it('replaces each file atomically: a reader never finds the kustomization missing', async () => {
    const out = join(tmp(), 'b');
    run(['-t', 'gatekeeper', '-l', 'baseline', '-o', out]);
    // a second process probes the bundle while this one rewrites it between two configurations
    const probe = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      let probes = 0, missing = 0;
      const stop = Date.now() + 60000;
      while (!fs.existsSync(${JSON.stringify(out + '.done')}) && Date.now() < stop) {
        probes++;
        try { if (!fs.readFileSync(${JSON.stringify(join(out, 'kustomization.yaml'))}, 'utf8').startsWith('# generated by')) missing++; } catch { missing++; }
      }
      console.log(JSON.stringify({ probes, missing }));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let report = '';
    probe.stdout.on('data', (b) => { report += b; });
    const done = new Promise((resolve) => probe.on('close', resolve));
    for (let i = 0; i < 12; i++) expect(run(['-t', i % 2 ? 'vap' : 'gatekeeper', '-l', 'baseline', '-o', out]).code).toBe(0);
    writeFileSync(`${out}.done`, '');
    await done;
    const { probes, missing } = JSON.parse(report) as { probes: number; missing: number };
    expect(probes).toBeGreaterThan(100);
    expect(missing).toBe(0);
  });

  it('reports a permission error in one line with exit code 1, writing nothing', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'locked'));
    chmodSync(join(dir, 'locked'), 0o555);
    chmodSync(dir, 0o755);
    // root ignores permissions: run as nobody
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, [CLI, '-t', 'vap', '-l', 'baseline', '-o', join(dir, 'locked/b')], { encoding: 'utf8', ...asUser });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`pss-compile: cannot create ${join(dir, 'locked/b')}: permission denied (EACCES)\n`);
    expect(readdirSync(join(dir, 'locked'))).toEqual([]);
  });

  it('reports an unreadable config as the machine\'s error (exit 1), a missing one as the user\'s (exit 2)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'c.yaml'), `${HEAD}kind: Bundle\ntarget: vap\nlevel: baseline\n`);
    chmodSync(join(dir, 'c.yaml'), 0o000);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, [CLI, '-c', join(dir, 'c.yaml')], { encoding: 'utf8', ...asUser });
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 1, stderr: `pss-compile: cannot read ${join(dir, 'c.yaml')}: permission denied (EACCES)\n` });
    expect(run(['-c', join(dir, 'missing.yaml')]).code).toBe(2);
  });

  it('reports a full disk in one line with exit code 1', () => {
    const r = run([], { shell: `node ${CLI} -t vap -l baseline > /dev/full` });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'pss-compile: cannot write standard output: no space left on device (ENOSPC)\n' });
  });

  it('ends quietly when the reader closes the pipe', () => {
    // the label-mode Gatekeeper bundle is larger than a pipe's buffer
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${CLI} -t gatekeeper -l restricted --namespace-labels | head -c 10; echo " $?"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('# generate 1\n');
  });
});

describe('explain and diff', () => {
  it('print the model\'s checks for a level and version, as text and JSON', () => {
    const text = run(['explain', '--level', 'restricted', '--policy-version', 'v1.30']);
    expect(text).toEqual({ code: 0, stdout: runExplain({ level: 'restricted', policyVersion: 'v1.30' }), stderr: '' });
    const json = run(['explain', '-l', 'baseline', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(runExplain({ level: 'baseline', json: true })));
    const diff = run(['diff', '--level', 'restricted', 'v1.22', 'v1.25']);
    expect(diff.stdout).toBe(runDiff({ level: 'restricted', from: 'v1.22', to: 'v1.25' }));
    expect(diff.stdout).toMatch(/capabilities_restricted/);
  });
  it.each([
    [['explain'], /required option '-l, --level <level>' not specified/],
    [['explain', '-l', 'strict'], /argument 'strict' is invalid/],
    [['diff', '-l', 'baseline', 'v1.0'], /missing required argument 'to'/],
    [['diff', '-l', 'baseline', 'v1.0', 'v1.x'], /invalid version "v1\.x"/],
  ])('reject bad input: %j', (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('the unified diff', () => {
  /** applies a unified diff's hunks to a text: the diff is right when this gives the new text */
  function apply(before: string, diff: string): string {
    const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
    const out: string[] = [];
    let at = 0;
    const rows = diff.replace(/\n$/, '').split('\n').slice(2);
    for (let k = 0; k < rows.length; k++) {
      const head = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(rows[k]!);
      if (!head) throw new Error(`not a hunk header: ${rows[k]}`);
      const start = Number(head[2]) === 0 ? Number(head[1]) : Number(head[1]) - 1;
      out.push(...lines.slice(at, start));
      at = start;
      while (k + 1 < rows.length && !rows[k + 1]!.startsWith('@@')) {
        const row = rows[++k]!;
        if (row[0] === ' ' || row[0] === '-') expect(lines[at++]).toBe(row.slice(1));
        if (row[0] === ' ' || row[0] === '+') out.push(row.slice(1));
      }
    }
    out.push(...lines.slice(at));
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  it('turns the text on disk into the text that would be written, for random edits', async () => {
    const { unifiedDiff } = await import('../src/output/diff.js');
    let seed = 20261201;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let round = 0; round < 200; round++) {
      const before = Array.from({ length: random(40) }, () => `line ${random(12)}`);
      const after = before.flatMap((l) => [[], [l], [l], [l, `new ${random(5)}`], [`changed ${random(5)}`]][random(5)]!);
      const [a, b] = [before, after].map((x) => (x.length ? `${x.join('\n')}\n` : ''));
      const diff = unifiedDiff(a!, b!, 'a', 'b');
      if (a === b) expect(diff).toBe('');
      else expect(apply(a!, diff)).toBe(b);
    }
  });
});
