// `pss-compile check` end to end: PSA's own messages per mode (from upstream's
// admission plugin), workloads as the pods they create (from upstream's
// evaluator), AdmissionReviews as upstream's plugin decides them, the three
// output formats, exit codes and bad input.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseObjects } from '../src/check/input.js';
import { evaluateRequest } from '../src/evaluate/admission.js';
import { WORKLOAD_TEMPLATES } from '../src/model/pod.js';
import { ROOT } from '../src/render.js';
import { bundleFor } from './harness/admission/bundle.js';
import { findCaseDirs, loadCaseDir } from './harness/admission/cases.js';
import { runAdmissionOracle } from './harness/admission/oracle.js';
import { OWN_FIXTURES } from './harness/fixtures.js';
import { runOracle } from './harness/oracle.js';
import { loadPods } from './harness/pods.js';

const CLI = join(ROOT, 'bin/pss-compile.js');
const run = (args: string[], input?: string, cwd = ROOT) => spawnSync('node', [CLI, 'check', ...args], { cwd, input, encoding: 'utf8' });

type Obj = Record<string, any>;
/** an object's entries in key order, so modes compare whatever order they were reported in */
const byKey = (o: Obj): Obj => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The pod as the template of a workload of the i-th kind. */
function workload(pod: Obj, i: number, name: string, namespace: string): Obj {
  const w = WORKLOAD_TEMPLATES[i % WORKLOAD_TEMPLATES.length]!;
  const resource: Obj = { apiVersion: w.group ? `${w.group}/${w.version}` : w.version, kind: w.kind, metadata: { name, namespace } };
  let at = resource;
  w.template.slice(0, -1).forEach((k) => { at = at[k] ??= {}; });
  at[w.template.at(-1)!] = { metadata: { labels: { app: name }, annotations: pod.metadata?.annotations }, spec: pod.spec };
  return resource;
}

describe('check reports PSA\'s own messages', () => {
  const dirs = findCaseDirs([join(ROOT, 'test/fixtures/admission'), join(ROOT, 'test/fixtures/admission-labels')]).map((d) => loadCaseDir(d, ROOT));
  const oracle = runAdmissionOracle(dirs);

  it('per mode, the level:version and message upstream\'s admission plugin gives, for every admission case', () => {
    let compared = 0;
    const diffs: string[] = [];
    dirs.forEach((dir, i) => {
      const bundle = bundleFor(dir, { target: 'vap' });
      dir.cases.forEach((c, j) => {
        const raw = oracle[i]![j]!.raw;
        const outcome = evaluateRequest({ units: bundle.units, exemptNamespaces: bundle.options.exemptNamespaces }, c.request,
          (name) => c.namespaces.find((n) => n.metadata?.name === name));
        const got = {
          allowed: outcome.allowed,
          enforce: outcome.modes.enforce?.message,
          warn: outcome.modes.warn?.message,
          audit: outcome.modes.audit?.message,
          policies: byKey(Object.fromEntries(Object.entries(outcome.modes).map(([m, r]) => [m, r!.policy]))),
        };
        const deny = raw.status?.message;
        const want = {
          allowed: raw.allowed,
          // the API server puts `pods "name" is forbidden: ` before PSA's message
          enforce: deny === undefined || raw.allowed ? undefined : got.enforce !== undefined && deny.endsWith(`: ${got.enforce}`) ? got.enforce : deny,
          warn: raw.warnings?.find((w) => w.includes('PodSecurity')),
          audit: raw.auditAnnotations?.['audit-violations'],
          policies: byKey(Object.fromEntries(Object.entries(raw.modes ?? {}).map(([m, r]) => [m, r!.policy]))),
        };
        compared++;
        if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${c.id}: ${JSON.stringify(got)} != upstream ${JSON.stringify(want)}`);
      });
    });
    console.log(`check messages: ${compared} admission cases in ${dirs.length} directories, ${diffs.length} differences`);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(250);
  });

  it('the CLI decides each AdmissionReview of the admission fixtures as upstream\'s plugin does', () => {
    let compared = 0;
    const diffs: string[] = [];
    dirs.forEach((dir, i) => {
      if (dir.compile.versions) return;
      const labels = dir.compile.namespaceLabels ? ['--namespace-labels'] : [];
      const r = run(['--admission-config', join(dir.dir, 'config.yaml'), ...labels, '-f', 'json', ...dir.cases.map((c) => c.id)]);
      expect(r.stderr).toBe('');
      const results = JSON.parse(r.stdout).results as Obj[];
      dir.cases.forEach((c, j) => {
        const want = oracle[i]![j]!;
        // the CLI reads namespaces from its input; a case without its Namespace is one PSA could not look up
        if (!c.namespaces.some((n) => n.metadata?.name === c.request.namespace) && dir.compile.namespaceLabels) return;
        const got = results.find((x) => x.file === c.id);
        const outcome = { allowed: got?.allowed, modes: byKey(Object.fromEntries(Object.entries(got?.modes ?? {}).map(([m, x]) => [m, (x as Obj).checks]))) };
        compared++;
        const upstream = { allowed: want.allowed, modes: byKey(want.modes) };
        if (JSON.stringify(outcome) !== JSON.stringify(upstream)) {
          diffs.push(`${c.id}: ${JSON.stringify(outcome)} != upstream ${JSON.stringify(upstream)}`);
        }
      });
      expect(r.status).toBe(results.some((x) => !x.allowed) ? 1 : 0);
    });
    console.log(`check CLI on AdmissionReviews: ${compared} cases, ${diffs.length} differences`);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });
});

describe('check on manifests', () => {
  const pods = ['windows.yaml', 'overrides.yaml', 'seccomp-annotations.yaml', 'capabilities.yaml', 'volumes.yaml']
    .flatMap((f) => loadPods([`${OWN_FIXTURES}/${f}`], ROOT)).slice(0, 40);
  const objects = pods.map((p, i) => workload(p.pod, i, `w${i}`, 'shop'));
  const [level, version] = ['baseline', 'v1.25'] as const;
  const upstream = runOracle(pods.map((p) => p.pod), pods.map(() => [[level, version] as const]))
    .map((r) => r.verdicts![0]!);

  it('a directory of workloads: each one at its file and line, with upstream\'s verdict and reasons for its pods', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-check-'));
    mkdirSync(join(dir, 'apps', 'nested'), { recursive: true });
    // two objects per file, a Service between them; every other file one level deeper
    const where: { file: string; line: number }[] = [];
    for (let i = 0; i < objects.length; i += 2) {
      const file = join(dir, 'apps', i % 4 === 0 ? 'nested' : '', `w${String(i).padStart(2, '0')}.yaml`);
      const docs = [objects[i]!, { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}` } }, ...(objects[i + 1] ? [objects[i + 1]!] : [])];
      const texts = docs.map((d) => stringify(d));
      writeFileSync(file, `# generated\n${texts.join('---\n')}`);
      where[i] = { file, line: 2 };
      if (objects[i + 1]) where[i + 1] = { file, line: 2 + texts[0]!.split('\n').length - 1 + 1 + texts[1]!.split('\n').length - 1 + 1 };
    }
    writeFileSync(join(dir, 'apps', 'notes.txt'), 'not a manifest\n');
    const r = run(['--level', level, '--policy-version', version, '-f', 'json', dir]);
    const report = JSON.parse(r.stdout) as { results: Obj[]; summary: Obj };
    expect(report.results.map((x) => [x.file, x.line, x.kind, x.name, x.namespace])).toEqual(
      expect.arrayContaining(objects.map((o, i) => [where[i]!.file, where[i]!.line, o.kind, o.metadata.name, 'shop'])));
    expect(report.results).toHaveLength(objects.length);
    for (const [i, o] of objects.entries()) {
      const got = report.results.find((x) => x.name === o.metadata.name)!;
      expect({ name: got.name, allowed: got.allowed, reasons: got.reasons.join(', ') })
        .toEqual({ name: o.metadata.name, allowed: upstream[i]!.allowed, reasons: upstream[i]!.message });
    }
    const rejected = upstream.filter((v) => !v.allowed).length;
    expect(rejected).toBeGreaterThan(3);
    expect(report.summary).toEqual({ files: Math.ceil(objects.length / 2), evaluated: objects.length, rejected, warned: 0, skipped: Math.ceil(objects.length / 2) });
    expect(r.status).toBe(1);
  });

  it('a Helm-style stream on standard input, a List among it: one line per rejected object in PSA\'s words, and a summary', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: objects.slice(0, 4) };
    const stream = [list, ...objects.slice(4)].map((o) => `---\n# Source: chart/templates/${o.kind}.yaml\n${stringify(o)}`).join('');
    const r = run(['--level', level, '--policy-version', version, '-'], stream);
    const lines = r.stdout.trimEnd().split('\n');
    const expected = objects.flatMap((o, i) => (upstream[i]!.allowed ? [] : [
      new RegExp(`^<stdin>:\\d+ ${o.kind}/${o.metadata.name} \\(namespace shop\\): violates PodSecurity "${level}:${version}": ${upstream[i]!.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    ]));
    expect(lines.slice(0, -1)).toHaveLength(expected.length);
    lines.slice(0, -1).forEach((l, i) => expect(l).toMatch(expected[i]!));
    expect(lines.at(-1)).toBe(`${objects.length} objects checked in 1 file: ${expected.length} rejected by enforce, 0 with warn or audit findings only, ${objects.length - expected.length} passed`);
    expect(r.status).toBe(1);
    // the List's items keep their own lines
    expect(new Set(lines.slice(0, -1).map((l) => l.split(' ')[0])).size).toBe(expected.length);
  });

  it('SARIF: a result per failing check, errors for enforce and warnings for warn and audit, at the object\'s line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-check-'));
    writeFileSync(join(dir, 'psa.yaml'), stringify({
      apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration',
      defaults: { enforce: 'baseline', 'enforce-version': version, warn: 'restricted', 'warn-version': 'latest', audit: 'restricted', 'audit-version': 'latest' },
    }));
    writeFileSync(join(dir, 'app.yaml'), objects.slice(0, 10).map((o) => stringify(o)).join('---\n'));
    const r = run(['--admission-config', join(dir, 'psa.yaml'), '-f', 'sarif', join(dir, 'app.yaml')]);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0].results as Obj[];
    const restricted = runOracle(pods.slice(0, 10).map((p) => p.pod), pods.slice(0, 10).map(() => [['restricted', 'latest'] as const])).map((x) => x.verdicts![0]!);
    const errors = upstream.slice(0, 10).flatMap((v) => v.reasons);
    // warn is silent where enforce rejects (PSA adds no warning to a rejected request); audit always reports
    const warnings = restricted.flatMap((v, i) => [...(upstream[i]!.allowed ? v.reasons : []), ...v.reasons]);
    expect(results.filter((x) => x.level === 'error')).toHaveLength(errors.length);
    expect(results.filter((x) => x.level === 'warning')).toHaveLength(warnings.length);
    expect(new Set(results.map((x) => x.ruleId))).toEqual(new Set(sarif.runs[0].tool.driver.rules.map((x: Obj) => x.id)));
    for (const x of results) {
      expect(x.locations[0].physicalLocation.artifactLocation.uri).toBe(join(dir, 'app.yaml'));
      expect(x.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    }
    expect(r.status).toBe(errors.length > 0 ? 1 : 0);
  });

  it('namespace labels from the input\'s Namespaces, exemptions, and objects that name no namespace', () => {
    const pod = objects.find((_, i) => !upstream[i]!.allowed)!;
    const inNamespace = (ns: string | undefined, name: string) => ({ ...pod, metadata: { name, ...(ns ? { namespace: ns } : {}) } });
    const stream = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'open', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
      inNamespace('open', 'a'), inNamespace('shop', 'b'), inNamespace(undefined, 'c'), inNamespace('kube-system', 'd'),
    ].map((o) => stringify(o)).join('---\n');
    const r = run(['--level', level, '--policy-version', version, '--namespace-labels', '--exempt-namespaces', 'kube-system', '-f', 'json', '-'], stream);
    const results = JSON.parse(r.stdout).results as Obj[];
    expect(results.map((x) => [x.name, x.namespace, x.allowed])).toEqual([['a', 'open', true], ['b', 'shop', false], ['c', 'default', false], ['d', 'kube-system', true]]);
    const c = run(['--level', level, '--policy-version', version, '-n', 'team', '-f', 'json', '-'], stringify(inNamespace(undefined, 'c')));
    expect(JSON.parse(c.stdout).results[0].namespace).toBe('team');
  });

  it('bad input: one line naming the problem (an unparsable document by file and line), exit 2, nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-check-'));
    writeFileSync(join(dir, 'good.yaml'), stringify(objects[0]));
    writeFileSync(join(dir, 'bad.yaml'), `${stringify(objects[0])}---\nkind: Pod\nmetadata: {name: [\n`);
    const cases: [string[], string | undefined, RegExp][] = [
      [['--level', 'baseline', join(dir, 'bad.yaml')], undefined, new RegExp(`^pss-compile: ${join(dir, 'bad.yaml')}:\\d+: `)],
      [['--level', 'baseline', '-'], 'a: [\n', /^pss-compile: <stdin>:2: /],
      [['--level', 'baseline', join(dir, 'missing.yaml')], undefined, /no such file or directory/],
      [[join(dir, 'good.yaml')], undefined, /give the policy/],
      [['--level', 'baseline'], undefined, /give the files or directories/],
      [['--level', 'strict', join(dir, 'good.yaml')], undefined, /argument 'strict' is invalid/],
      [['--level', 'baseline', '--policy-version', 'v2', join(dir, 'good.yaml')], undefined, /invalid version "v2"/],
      [['--level', 'baseline', '-f', 'xml', join(dir, 'good.yaml')], undefined, /argument 'xml' is invalid/],
      [['--level', 'baseline', '--admission-config', join(dir, 'good.yaml'), join(dir, 'good.yaml')], undefined, /./],
    ];
    for (const [args, input, message] of cases) {
      const r = run(args, input);
      expect({ args, status: r.status, stdout: r.stdout, lines: r.stderr.split('\n').length }).toEqual({ args, status: 2, stdout: '', lines: 2 });
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('check reads manifests as kubectl does', () => {
  it('finds each object\'s line across markers, comments, directives, `...`, CRLF, a BOM, JSON and nested Lists', () => {
    const text = [
      '\uFEFF# leading comment', '---', '# Source: a.yaml', 'kind: Pod', 'metadata: {name: a}', '...',
      '%YAML 1.1', '---', '', 'kind: Pod', 'metadata: {name: b}',
      '--- {kind: Pod, metadata: {name: c}}',
      '---', 'kind: List', 'items:', '- kind: Pod', '  metadata: {name: d}', '- kind: PodList', '  items:', '  - kind: Pod', '    metadata: {name: e}',
      '---', '{', '\t"kind": "Pod",', '\t"metadata": {"name": "f"}', '}',
      '---', '# only a comment', '---', 'just a string',
    ].join('\r\n');
    expect(parseObjects('m.yaml', text).map((o) => [(o.object.metadata as Obj).name, o.line])).toEqual([
      ['a', 4], ['b', 10], ['c', 12], ['d', 16], ['e', 20], ['f', 23],
    ]);
  });

  it('YAML 1.1 booleans (yes, on, y) and merge keys, as kubectl\'s YAML reader resolves them; quoted values stay strings', () => {
    const [pod] = parseObjects('p.yaml', [
      'kind: Pod', 'base: &base {privileged: on}', 'spec:', '  hostNetwork: yes', '  hostPID: N', '  hostIPC: "yes"',
      '  containers:', '  - name: app', '    securityContext:', '      <<: *base', '      runAsNonRoot: y',
    ].join('\n'));
    expect(pod!.object.spec).toEqual({
      hostNetwork: true, hostPID: false, hostIPC: 'yes',
      containers: [{ name: 'app', securityContext: { privileged: true, runAsNonRoot: true } }],
    });
  });

  it('names the file and line of a document it cannot read, past earlier documents', () => {
    expect(() => parseObjects('bad.yaml', 'kind: Pod\n---\nkind: Pod\nmetadata:\n  name: [a\n')).toThrow(/^bad\.yaml:[56]: /);
    expect(() => parseObjects('dup.yaml', 'kind: Pod\nkind: Pod\n')).toThrow(/^dup\.yaml:2: duplicated mapping key/);
  });
});
