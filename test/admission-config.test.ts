// loadAdmissionConfig against upstream's own loaders: every file below is read by
// ours and by the admission oracle's configFiles mode (kube-apiserver's
// ReadAdmissionConfiguration + ConfigFor("PodSecurity") + the in-tree plugin's
// load.LoadFromReader/CompleteConfiguration/ValidateConfiguration, or, for a bare
// PodSecurityConfiguration, the pod-security webhook's load.LoadFromFile + the same).
//
// Agreement means: both accept with identical defaults and exemptions, or both
// reject and our message is `<path>: <reason>` where <reason> equals upstream's
// error with every whitespace run (upstream's multi-line YAML errors) folded into
// one space. Syntax errors are the exception: their wording is our parser's, so
// only upstream's prefix must match ("yaml: " for YAML, "couldn't get version/kind;
// json parse error: " for JSON).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAdmissionConfig, parseAdmissionConfig } from '../src/admissionConfig/index.js';
import type { PsaConfiguration } from '../src/admissionConfig/index.js';
import { InputError } from '../src/options.js';
import { ensureEngines } from './harness/engines.js';

interface Case {
  name: string;
  /** files relative to the case directory; the entry is `config.yaml` unless `entry` says otherwise */
  files: Record<string, string | ((dir: string) => string)>;
  entry?: string;
  accept: boolean;
}

const AC = 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n';
const PSC = (v = 'v1') => `apiVersion: pod-security.admission.config.k8s.io/${v}\nkind: PodSecurityConfiguration\n`;
const indent = (text: string, by: string) => text.split('\n').map((l) => (l ? by + l : l)).join('\n');
const inline = (body: string, v = 'v1') => `${AC}plugins:\n- name: PodSecurity\n  configuration:\n${indent(PSC(v) + body, '    ')}`;

const FULL = `defaults:
  enforce: restricted
  enforce-version: v1.25
  audit: baseline
  audit-version: latest
  warn: restricted
  warn-version: v1.0
exemptions:
  usernames: [system:serviceaccount:kube-system:replicaset-controller, "alice@example.com"]
  namespaces: [kube-system, team-a]
  runtimeClasses: [gvisor, kata.containers]
`;

const cases: Case[] = [
  // ---- accepted: bare PodSecurityConfiguration, every version
  { name: 'psc v1, everything set', files: { 'config.yaml': PSC('v1') + FULL }, accept: true },
  { name: 'psc v1beta1, some defaults', files: { 'config.yaml': `${PSC('v1beta1')}defaults:\n  enforce: baseline\n  warn: restricted\n` }, accept: true },
  { name: 'psc v1alpha1, defaults and exemptions omitted', files: { 'config.yaml': PSC('v1alpha1') }, accept: true },
  { name: 'psc, empty and null values default', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: ""\n  warn: ~\n  audit:\n  audit-version: null\nexemptions:\n  namespaces: []\n  usernames:\n` }, accept: true },
  { name: 'psc as JSON', files: { 'config.json': JSON.stringify({ apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', defaults: { enforce: 'baseline', 'enforce-version': 'v1.30' }, exemptions: { runtimeClasses: ['kata'] } }) }, entry: 'config.json', accept: true },
  { name: 'psc, YAML anchors and merge keys', files: { 'config.yaml': `${PSC()}defaults:\n  <<: {enforce: baseline, audit: baseline}\n  warn: restricted\nexemptions:\n  namespaces: &ns [a, b]\n  usernames: *ns\n` }, accept: true },
  // ---- accepted: AdmissionConfiguration
  { name: 'ac v1, inline v1', files: { 'config.yaml': inline(FULL) }, accept: true },
  { name: 'ac v1, inline v1beta1', files: { 'config.yaml': inline('defaults:\n  enforce: baseline\n', 'v1beta1') }, accept: true },
  { name: 'ac v1, inline v1alpha1, no defaults', files: { 'config.yaml': inline('exemptions:\n  usernames: [bob]\n', 'v1alpha1') }, accept: true },
  { name: 'ac apiserver.k8s.io/v1alpha1', files: { 'config.yaml': inline('defaults:\n  audit: restricted\n').replace(AC, 'apiVersion: apiserver.k8s.io/v1alpha1\nkind: AdmissionConfiguration\n') }, accept: true },
  { name: 'ac, relative path: into a subdirectory', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: psa/podsecurity.yaml\n`, 'psa/podsecurity.yaml': `${PSC('v1beta1')}defaults:\n  enforce: baseline\n  enforce-version: v1.28\n` }, accept: true },
  { name: 'ac, relative path: with ..', files: { 'etc/config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: ../shared/psa.json\n`, 'shared/psa.json': '{"apiVersion":"pod-security.admission.config.k8s.io/v1","kind":"PodSecurityConfiguration","exemptions":{"namespaces":["ops"]}}' }, entry: 'etc/config.yaml', accept: true },
  { name: 'ac, absolute path:', files: { 'config.yaml': (dir) => `${AC}plugins:\n- name: PodSecurity\n  path: ${join(dir, 'abs.yaml')}\n`, 'abs.yaml': `${PSC()}defaults:\n  warn: baseline\n` }, accept: true },
  { name: 'ac, no PodSecurity entry: defaults', files: { 'config.yaml': `${AC}plugins:\n- name: EventRateLimit\n  path: eventconfig.yaml\n` }, accept: true },
  { name: 'ac, no plugins at all: defaults', files: { 'config.yaml': AC }, accept: true },
  { name: 'ac, PodSecurity entry with neither configuration nor path', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: ""\n` }, accept: true },
  { name: 'ac, path: to an empty file: defaults', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: empty.yaml\n`, 'empty.yaml': '' }, accept: true },
  { name: 'ac, the first PodSecurity entry wins', files: { 'config.yaml': `${inline('defaults:\n  enforce: baseline\n')}- name: PodSecurity\n  configuration: {bogus: 1}\n` }, accept: true },
  { name: 'ac, configuration wins over a missing path', files: { 'config.yaml': inline('defaults:\n  enforce: restricted\n').replace('- name: PodSecurity\n', '- name: PodSecurity\n  path: does-not-exist.yaml\n') }, accept: true },
  { name: 'ac, configuration: null falls back to path', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  configuration: null\n  path: p.yaml\n`, 'p.yaml': `${PSC()}defaults:\n  audit: baseline\n` }, accept: true },
  { name: 'ac as JSON, inline', files: { 'config.json': JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'AdmissionConfiguration', plugins: [{ name: 'PodSecurity', configuration: { apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', defaults: { enforce: 'restricted' }, exemptions: { usernames: ['x'] } } }] }, null, 2) }, entry: 'config.json', accept: true },
  { name: 'legacy unversioned podNodeSelectorPluginConfig file: PodSecurity gets defaults', files: { 'config.yaml': 'podNodeSelectorPluginConfig:\n  clusterDefaultNodeSelector: env=prod\n' }, accept: true },
  { name: 'version v1.0 and a big minor', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: baseline\n  enforce-version: v1.0\n  warn-version: v1.12345\n` }, accept: true },
  { name: 'ac, internal version apiserver.k8s.io/__internal (Go field names)', files: { 'config.yaml': 'apiVersion: apiserver.k8s.io/__internal\nkind: AdmissionConfiguration\nPlugins:\n- Name: PodSecurity\n  Path: p.yaml\n', 'p.yaml': `${PSC()}defaults:\n  enforce: baseline\n` }, accept: true },
  { name: 'only the first YAML document is read', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: baseline\n---\nnot: [valid\n` }, accept: true },
  { name: 'plugin names are case-sensitive', files: { 'config.yaml': `${AC}plugins:\n- name: podsecurity\n  configuration: {bogus: 1}\n` }, accept: true },
  { name: 'legacy imagePolicy file with an unknown kind: defaults', files: { 'config.yaml': 'imagePolicy: {}\napiVersion: apiserver.config.k8s.io/v1\nkind: Nope\n' }, accept: true },
  { name: 'YAML 1.1 strings kept by quotes and !!str are still bad levels', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: !!str yes\n  warn: "no"\n` }, accept: false },
  { name: 'YAML 1.1 boolean on', files: { 'config.yaml': `${PSC()}defaults:\n  audit: on\n` }, accept: false },
  { name: 'infinite float anywhere', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: +.inf\n` }, accept: false },
  { name: 'merge key then the same key: go-yaml duplicate', files: { 'config.yaml': `${PSC()}defaults:\n  <<: {enforce: baseline}\n  enforce: restricted\n` }, accept: false },
  { name: 'psc internal version: Go field names, not defaulted', files: { 'config.yaml': 'apiVersion: pod-security.admission.config.k8s.io/__internal\nkind: PodSecurityConfiguration\nDefaults:\n  Enforce: baseline\nExemptions:\n  Namespaces: {}\n' }, accept: false },
  { name: 'psc internal version: required defaults', files: { 'config.yaml': 'apiVersion: pod-security.admission.config.k8s.io/__internal\nkind: PodSecurityConfiguration\nDefaults:\n  Enforce: baseline\n' }, accept: false },
  { name: 'ac internal version, wrong plugins type', files: { 'config.yaml': 'apiVersion: apiserver.config.k8s.io/__internal\nkind: AdmissionConfiguration\nPlugins: 5\n' }, accept: false },
  // ---- rejected: files and syntax
  { name: 'missing file', files: {}, entry: 'nope.yaml', accept: false },
  { name: 'entry is a directory', files: { 'dir/x': '' }, entry: 'dir', accept: false },
  { name: 'bad YAML', files: { 'config.yaml': `${AC}plugins: [\n` }, accept: false },
  { name: 'bad YAML, bad indentation', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: baseline\n warn: baseline\n` }, accept: false },
  { name: 'bad JSON', files: { 'config.json': '{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",}' }, entry: 'config.json', accept: false },
  { name: 'empty file', files: { 'config.yaml': '' }, accept: false },
  { name: 'top level is a list', files: { 'config.yaml': '- a\n- b\n' }, accept: false },
  // ---- rejected: kind and apiVersion
  { name: 'unknown kind in the apiserver group', files: { 'config.yaml': 'apiVersion: apiserver.config.k8s.io/v1\nkind: Nope\n' }, accept: false },
  { name: 'apiserver.config.k8s.io/v1alpha1 has no AdmissionConfiguration', files: { 'config.yaml': 'apiVersion: apiserver.config.k8s.io/v1alpha1\nkind: AdmissionConfiguration\n' }, accept: false },
  { name: 'psc v2', files: { 'config.yaml': PSC('v2') }, accept: false },
  { name: 'psc with a wrong kind', files: { 'config.yaml': 'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityPolicy\n' }, accept: false },
  { name: 'missing apiVersion', files: { 'config.yaml': 'kind: AdmissionConfiguration\nplugins: []\n' }, accept: false },
  { name: 'apiVersion is a number', files: { 'config.yaml': 'apiVersion: 1\nkind: AdmissionConfiguration\n' }, accept: false },
  { name: 'another apiserver config type', files: { 'config.yaml': 'apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\n' }, accept: false },
  { name: 'inline configuration without kind', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  configuration: {}\n` }, accept: false },
  { name: 'inline configuration is a string', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  configuration: hello\n` }, accept: false },
  { name: 'path: names an AdmissionConfiguration', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: other.yaml\n`, 'other.yaml': AC }, accept: false },
  // ---- rejected: strict decoding
  { name: 'psc, unknown field', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: baseline\n  enforcee: restricted\nexemption: {}\n` }, accept: false },
  { name: 'inline, unknown fields, and one in the plugin entry', files: { 'config.yaml': inline('defaults:\n  enforce: baseline\n  bogus: 1\nzzz: 2\n').replace('- name: PodSecurity\n', '- name: PodSecurity\n  extra: true\n') }, accept: false },
  { name: 'psc, duplicate YAML keys', files: { 'config.yaml': `${PSC('v1beta1')}defaults:\n  enforce: baseline\n  enforce: restricted\nexemptions:\n  namespaces:\n  - a\n  namespaces:\n  - b\n` }, accept: false },
  { name: 'inline, duplicate YAML key and unknown field', files: { 'config.yaml': inline('defaults:\n  enforce: baseline\n  enforce: restricted\n').replace('- name: PodSecurity\n', '- name: PodSecurity\n  foo: bar\n') }, accept: false },
  { name: 'JSON, duplicate keys inside the inline configuration', files: { 'config.json': '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"AdmissionConfiguration","plugins":[{"name":"PodSecurity","configuration":{"apiVersion":"pod-security.admission.config.k8s.io/v1","kind":"PodSecurityConfiguration","defaults":{"enforce":"baseline","enforce":"restricted","x":1}}}]}' }, entry: 'config.json', accept: false },
  { name: 'YAML 1.1 boolean as a level', files: { 'config.yaml': `${PSC()}defaults:\n  enforce: yes\n` }, accept: false },
  { name: 'number as a version', files: { 'config.yaml': inline('defaults:\n  enforce: baseline\n  enforce-version: 1.25\n') }, accept: false },
  { name: 'number as a namespace', files: { 'config.yaml': `${PSC()}exemptions:\n  namespaces: [kube-system, 42]\n` }, accept: false },
  { name: 'plugin name is a number', files: { 'config.yaml': `${AC}plugins:\n- name: 5\n` }, accept: false },
  // ---- rejected: levels and versions (CompleteConfiguration's ToPolicy)
  { name: 'invalid levels', files: { 'config.yaml': inline('defaults:\n  enforce: bogus\n  warn: Baseline\n') }, accept: false },
  { name: 'invalid level, bare psc', files: { 'config.yaml': `${PSC()}defaults:\n  audit: unrestricted\n` }, accept: false },
  { name: 'invalid versions', files: { 'config.yaml': `${PSC()}defaults:\n  enforce-version: v1.01\n  audit-version: "1.25"\n  warn-version: v1.99999999999999999999\n` }, accept: false },
  { name: 'invalid version v2.0 by path', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: p.yaml\n`, 'p.yaml': `${PSC()}defaults:\n  warn-version: v2.0\n` }, accept: false },
  // ---- rejected: exemptions (ValidateConfiguration)
  { name: 'namespace not a DNS label', files: { 'config.yaml': inline('exemptions:\n  namespaces: [Kube-System, a.b, "", ' + 'x'.repeat(64) + ']\n') }, accept: false },
  { name: 'runtime class not a DNS subdomain', files: { 'config.yaml': `${PSC()}exemptions:\n  runtimeClasses: [ok.example, Not_OK, "${'a'.repeat(254)}"]\n` }, accept: false },
  { name: 'empty username and duplicates', files: { 'config.yaml': `${PSC()}exemptions:\n  usernames: ["", alice, alice, "quote\\"d"]\n  namespaces: [a, b, a]\n  runtimeClasses: [x, x]\n` }, accept: false },
  // ---- rejected: plugin path: that cannot be read (kube-apiserver exits through klog.Fatalf)
  { name: 'path: does not exist', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: missing/psa.yaml\n` }, accept: false },
  { name: 'path: is a directory', files: { 'config.yaml': `${AC}plugins:\n- name: PodSecurity\n  path: .\n` }, accept: false },
];

interface Upstream {
  error?: string;
  defaults?: PsaConfiguration['defaults'];
  exemptions?: PsaConfiguration['exemptions'];
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim();
const SYNTAX_PREFIXES = [/^yaml: (?!unmarshal errors)/, /^couldn't get version\/kind; json parse error: (?!json: cannot unmarshal)/];

/** what of upstream's error ours must repeat: all of it, or for syntax errors its prefix */
function reasonOf(upstream: string): { text: string; prefixOnly: boolean } {
  const folded = fold(upstream);
  for (const re of SYNTAX_PREFIXES) {
    const m = re.exec(folded);
    if (m) return { text: m[0], prefixOnly: true };
  }
  return { text: folded, prefixOnly: false };
}

describe('loadAdmissionConfig agrees with upstream\'s loaders', () => {
  const root = mkdtempSync(join(tmpdir(), 'pss-admission-config-'));
  const entries = cases.map((c, i) => {
    const dir = join(root, `case${String(i).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    for (const [rel, content] of Object.entries(c.files)) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, typeof content === 'function' ? content(dir) : content);
    }
    return join(dir, c.entry ?? 'config.yaml');
  });

  const engines = ensureEngines();
  const run = spawnSync(join(engines.cache, 'bin/admission'), [], {
    input: JSON.stringify({ configFiles: entries }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`admission oracle failed (${run.status}): ${run.stderr}`);
  const upstream = (JSON.parse(run.stdout) as { configFiles: Upstream[] }).configFiles;

  it('has a big enough table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(upstream).toHaveLength(cases.length);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i]!;
    const path = entries[i]!;
    const up = upstream[i]!;
    let ours: PsaConfiguration | undefined;
    let message: string | undefined;
    try {
      ours = loadAdmissionConfig(path);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      message = err.message;
    }
    expect(up.error === undefined, `upstream ${up.error ?? 'accepts'}`).toBe(c.accept);
    if (up.error === undefined) {
      expect(message, 'we reject what upstream accepts').toBeUndefined();
      expect(ours).toEqual({ defaults: up.defaults, exemptions: up.exemptions });
      return;
    }
    expect(message, `we accept what upstream rejects: ${up.error}`).toBeDefined();
    expect(message).not.toContain('\n');
    expect(message!.startsWith(`${path}: `)).toBe(true);
    const body = fold(message!.slice(path.length + 2));
    const reason = reasonOf(up.error);
    if (reason.prefixOnly) expect(body.startsWith(reason.text), `${body}\nvs upstream ${up.error}`).toBe(true);
    else expect(body).toBe(reason.text);
  });
});

describe('parseAdmissionConfig', () => {
  it('resolves a relative plugin path against the directory of the given path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pss-admission-config-'));
    mkdirSync(join(dir, 'conf/psa'), { recursive: true });
    writeFileSync(join(dir, 'conf/psa/p.yaml'), `${PSC()}defaults:\n  enforce: restricted\n`);
    const text = `${AC}plugins:\n- name: PodSecurity\n  path: psa/p.yaml\n`;
    expect(parseAdmissionConfig(text, join(dir, 'conf/admission.yaml')).defaults.enforce).toEqual({ level: 'restricted', version: 'latest' });
    expect(() => parseAdmissionConfig(text, join(dir, 'admission.yaml'))).toThrow(InputError);
  });

  it('reports with the given path', () => {
    expect(() => parseAdmissionConfig(`${PSC()}defaults:\n  enforce: nope\n`, 'cluster/psa.yaml'))
      .toThrow('cluster/psa.yaml: configuration error: enforce: must be one of privileged, baseline, restricted');
  });
});
