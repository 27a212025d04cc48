import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, PACKAGE_VERSION } from '../src/render.js';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/pss-compile.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
const tmp = () => mkdtempSync(join(tmpdir(), 'pss-cli-'));
/** every file under a directory, as sorted relative paths */
const walk = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
  .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

describe('bad input: one line on stderr, exit code 2, nothing written', () => {
  const dir = tmp();
  const config = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  it.each([
    ['unknown target', ['--target', 'opa', '--level', 'baseline'], /--target.*argument 'opa' is invalid/],
    ['missing target', ['--level', 'baseline'], /target missing: must be one of gatekeeper/],
    ['level bogus', ['--target', 'gatekeeper', '--level', 'bogus'], /argument 'bogus' is invalid/],
    ['version v1.2.3', ['--target', 'gatekeeper', '--level', 'baseline', '--policy-version', 'v1.2.3'], /invalid version "v1\.2\.3"/],
    ['version 1.30', ['--target', 'gatekeeper', '--level', 'baseline', '--policy-version', '1.30'], /invalid version "1\.30"/],
    ['unknown flag', ['--target', 'gatekeeper', '--level', 'baseline', '--frobnicate'], /unknown option '--frobnicate'/],
    ['unknown action', ['--target', 'gatekeeper', '--level', 'baseline', '--action', 'deny'], /action "deny": must be one of enforce, warn, audit/],
    ['unknown action in a list', ['--target', 'vap', '--level', 'baseline', '--action', 'warn,deny'], /action "deny"/],
    ['shorthand with a configuration', ['--target', 'vap', '--level', 'baseline', '--admission-config', join(ROOT, 'policies/psa/pod-security.yaml')],
      /level: cannot be combined with a PSA configuration/],
    ['missing admission config', ['--target', 'vap', '--admission-config', '/nonexistent/admission.yaml'], /\/nonexistent\/admission\.yaml/],
    ['admission config with a bad level', ['--target', 'vap', '--admission-config',
      config('psa.yaml', 'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: strict\n')], /strict/],
    ['bad name', ['--target', 'vap', '--level', 'baseline', '--name', 'Team_A'], /name "Team_A"/],
    ['versions without namespace labels', ['--target', 'vap', '--level', 'baseline', '--versions', 'v1.25'], /versions: only a namespace-label bundle/],
    ['bad carried version', ['--target', 'vap', '--level', 'baseline', '--namespace-labels', '--versions', 'v1.25,v1.x'], /versions: invalid version "v1\.x"/],
    ['namespaceLabels not a boolean', ['--config', config('labels.yaml', 'apiVersion: pss-compile.dev/v1alpha1\nkind: Bundle\ntarget: vap\nlevel: baseline\nnamespaceLabels: yes please\n')], /labels\.yaml:5:18: namespaceLabels: must be boolean, not "yes please"/],
    ['glob namespace', ['--target', 'gatekeeper', '--level', 'baseline', '--exempt-namespaces', 'kube-*'], /exempt namespace "kube-\*"/],
    ['bad runtime class', ['--target', 'vap', '--level', 'baseline', '--exempt-runtime-classes', 'Kata_1'], /exempt runtime class "Kata_1": must be a runtime class name/],
    ['empty username in config', ['--config', config('user.yaml', 'apiVersion: pss-compile.dev/v1alpha1\nkind: Bundle\ntarget: vap\nlevel: baseline\nexemptUsernames: [""]\n')], /user\.yaml:1:1: exempt username: must not be empty/],
    ['kube version too old', ['--target', 'vap', '--level', 'baseline', '--kube-version', '1.29'], /kube version "1\.29": must be 1\.30 or newer/],
    ['kube version malformed', ['--target', 'vap', '--level', 'baseline', '--kube-version', 'v1.30'], /kube version "v1\.30"/],
    ['unreadable config', ['--config', '/nonexistent/pss.yaml'], /cannot read config \/nonexistent\/pss\.yaml: ENOENT/],
    ['bad YAML config', ['--config', config('bad.yaml', 'level: [baseline\n')], /bad\.yaml:2:1: invalid YAML: /],
    ['unknown config key', ['--config', config('key.yaml', 'apiVersion: pss-compile.dev/v1alpha1\nkind: Bundle\ntarget: gatekeeper\nlevl: baseline\n')], /key\.yaml:4:1: unknown key "levl" \(did you mean "level"\?\)/],
    ['bad config value', ['--config', config('val.yaml', 'apiVersion: pss-compile.dev/v1alpha1\nkind: Bundle\ntarget: gatekeeper\nlevel: bogus\n')], /val\.yaml:4:8: level: "bogus" is not allowed; one of privileged, baseline, restricted/],
    ['a flat config from before apiVersion', ['--config', config('flat.yaml', 'target: gatekeeper\nlevel: baseline\n')], /flat\.yaml:1:1: missing apiVersion; a config starts with apiVersion: pss-compile\.dev\/v1alpha1/],
    ['a mistyped choice', ['--target', 'vapp', '--level', 'baseline'], /argument 'vapp' is invalid\. Allowed choices are gatekeeper, vap, kyverno\. \(did you mean vap\?\)/],
    ['a mistyped flag', ['--target', 'vap', '--levl', 'baseline'], /unknown option '--levl' \(did you mean --level\?\)/],
    ['a value after --version', ['--target', 'vap', '--level', 'baseline', '--version', 'v1.30'], /--version prints the pss-compile version and takes no value or other options \("v1\.30": the policy version is --policy-version\)/],
    ['--version among other flags', ['--target', 'vap', '--level', 'baseline', '--version'], /--version .* takes no value or other options; the policy version is --policy-version/],
    ['a stray argument', ['--target', 'vap', '--level', 'baseline', 'v1.30'], /unexpected argument "v1\.30"/],
    ['control characters in an echoed value', ['--target', 'vap', '--level', 'baseline', '--name', 'a\u001b[2Jb\nc'], /name "a\\u001b\[2Jb\\u000ac"/],
  ])('%s', (_, args, message) => {
    const out = join(dir, `out-${args.length}-${Math.random()}`);
    const r = run(...args, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to replace a file it did not write, and leaves every other file alone', () => {
    const out = tmp();
    writeFileSync(join(out, 'kustomization.yaml'), 'resources: [mine.yaml]\n');
    const r = run('--target', 'vap', '--level', 'baseline', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kustomization\.yaml exists and was not written by pss-compile; refusing to replace it/);
    expect(readdirSync(out)).toEqual(['kustomization.yaml']);
    expect(readFileSync(join(out, 'kustomization.yaml'), 'utf8')).toBe('resources: [mine.yaml]\n');
  });
});

describe('output', () => {
  it('prints --help and --version', () => {
    const help = run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: pss-compile/);
    expect(help.stdout).toMatch(/--exempt-namespaces/);
    const version = run('--version');
    expect(version).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });

  it('prints a ConstraintTemplate and its Constraint for a level and version', () => {
    const r = run('--target', 'gatekeeper', '--level', 'restricted', '--policy-version', 'v1.30');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`# generated by pss-compile ${PACKAGE_VERSION} — do not edit\n`)).toBe(true);
    const [template, constraint] = docsOf(r.stdout);
    expect(template!.kind).toBe('ConstraintTemplate');
    expect(template!.metadata.name).toBe(template!.spec.crd.spec.names.kind.toLowerCase());
    expect(template!.metadata.name.length).toBeLessThanOrEqual(63);
    const code = template!.spec.targets[0].code[1];
    expect(code.engine).toBe('Rego');
    expect(code.source.version).toBe('v1');
    expect(code.source.rego).toMatch(/^package podsecurity[0-9a-f]{8}enforce\n/);
    expect(code.source.rego).toContain('_prefix := "violates PodSecurity \\"restricted:v1.30\\": "');
    expect(constraint!.kind).toBe(template!.spec.crd.spec.names.kind);
    expect(constraint!.spec.enforcementAction).toBe('deny');
    expect(constraint!.spec.match.kinds).toEqual([{ apiGroups: [''], kinds: ['Pod'] }]);
  });

  it.each([['enforce', 'deny'], ['audit', 'dryrun'], ['warn', 'warn']])('maps --action %s to %s', (action, expected) => {
    const [, constraint] = docsOf(run('--target', 'gatekeeper', '--level', 'baseline', '--action', action).stdout);
    expect(constraint!.spec.enforcementAction).toBe(expected);
  });

  it('exempts usernames and runtime classes exactly, in every target', () => {
    const flags = ['--level', 'baseline', '--exempt-usernames', 'system:serviceaccount:ops:debug,alice@example.com', '--exempt-runtime-classes', 'kata'];
    const [vapPolicy] = docsOf(run('--target', 'vap', ...flags).stdout);
    const conditions = Object.fromEntries(vapPolicy!.spec.matchConditions.map((c: { name: string; expression: string }) => [c.name, c.expression]));
    expect(conditions['pod-security-exempt-usernames']).toBe('!(request.?userInfo.?username.orValue("") in ["alice@example.com", "system:serviceaccount:ops:debug"])');
    expect(conditions['pod-security-exempt-runtime-classes']).toContain('runtimeClassName');
    const [template] = docsOf(run('--target', 'gatekeeper', '--gatekeeper-engine', 'rego', ...flags).stdout);
    expect(template!.spec.targets[0].code[0].source.rego).toContain('object.get(input, ["review", "userInfo", "username"], "") in {"alice@example.com", "system:serviceaccount:ops:debug"}');
    expect(template!.spec.targets[0].code[0].source.rego).toContain('_get(_spec, ["runtimeClassName"], "") == "kata"');
    // Gatekeeper's CEL block fails closed whatever the operator-wide default, and carries the same conditions as the VAP
    const [both] = docsOf(run('--target', 'gatekeeper', ...flags).stdout);
    const cel = both!.spec.targets[0].code.find((c: { engine: string }) => c.engine === 'K8sNativeValidation').source;
    expect(cel.failurePolicy).toBe('Fail');
    // laid out at another indentation: the same CEL up to line breaks as Kyverno's (both read objects null-safely),
    // and the same conditions as the VAP, which reads the API server's typed objects
    const tokens = (cs: { name: string; expression: string }[]) => cs.map((c) => ({ ...c, expression: c.expression.replace(/\s+/g, ' ').replace(/([([]) | ([)\]])/g, '$1$2') }));
    const [vpol] = docsOf(run('--target', 'kyverno', ...flags).stdout);
    expect(tokens(cel.matchCondition)).toEqual(tokens(vpol!.spec.matchConditions));
    expect(cel.matchCondition.map((c: { name: string }) => c.name)).toEqual(vapPolicy!.spec.matchConditions.map((c: { name: string }) => c.name));
    const [cpol] = docsOf(run('--target', 'kyverno', '--kyverno-flavor', 'clusterpolicy', ...flags).stdout);
    expect(cpol!.spec.rules.every((r: { celPreconditions: unknown[] }) => r.celPreconditions.length >= 4)).toBe(true);
  });

  it('exempts namespaces exactly, sorted and de-duplicated', () => {
    const r = run('--target', 'gatekeeper', '--level', 'baseline', '--exempt-namespaces', 'kube-system, istio-system,kube-system');
    const [, constraint] = docsOf(r.stdout);
    expect(constraint!.spec.match.excludedNamespaces).toEqual(['istio-system', 'kube-system']);
  });

  it.each([['enforce', 'Deny'], ['audit', 'Audit'], ['warn', 'Warn']])('prints a VAP and a binding; --action %s binds %s', (action, expected) => {
    const r = run('--target', 'vap', '--level', 'restricted', '--action', action, '--exempt-namespaces', 'kube-system');
    expect(r.code).toBe(0);
    const [policy, binding] = docsOf(r.stdout);
    expect(policy!.kind).toBe('ValidatingAdmissionPolicy');
    expect(policy!.metadata.name).toMatch(new RegExp(`^pod-security-[0-9a-f]{8}-${action}$`));
    expect(policy!.metadata.annotations['pss-compile.dev/mode']).toBe(action);
    expect(policy!.spec.matchConstraints.resourceRules[0].resources).toEqual(['pods', 'pods/ephemeralcontainers', 'pods/resize']);
    expect(policy!.spec.matchConditions.map((c: { name: string }) => c.name))
      .toEqual(['pod-security-operations', 'pod-security-subresources', 'pod-security-significant-update']);
    expect(policy!.spec.validations.every((v: { reason: string }) => v.reason === 'Forbidden')).toBe(true);
    expect(binding!.kind).toBe('ValidatingAdmissionPolicyBinding');
    expect(binding!.spec.policyName).toBe(policy!.metadata.name);
    expect(binding!.spec.validationActions).toEqual([expected]);
    expect(binding!.spec.matchResources.namespaceSelector.matchExpressions)
      .toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }]);
  });

  it('carries both CEL and Rego in the ConstraintTemplate by default, or either one alone', () => {
    const engines = (...args: string[]): string[] =>
      docsOf(run('--target', 'gatekeeper', '--level', 'restricted', ...args).stdout)[0]!.spec.targets[0].code.map((c: { engine: string }) => c.engine);
    expect(engines()).toEqual(['K8sNativeValidation', 'Rego']);
    expect(engines('--gatekeeper-engine', 'rego')).toEqual(['Rego']);
    expect(engines('--gatekeeper-engine', 'cel')).toEqual(['K8sNativeValidation']);
  });

  it('prints one Kyverno ValidatingPolicy per mode, and workload policies for warn and audit only', () => {
    const r = run('--target', 'kyverno', '--level', 'restricted', '--action', 'enforce,warn,audit');
    expect(r.code).toBe(0);
    const docs = docsOf(r.stdout);
    // warn at enforce's own level could only fire on requests enforce rejects, so there is none
    expect(docs.map((d) => [d.metadata.name.replace(/^pod-security-[0-9a-f]{8}-/, ''), d.spec.validationActions])).toEqual([
      ['enforce', ['Deny']], ['audit', ['Audit']], ['workloads-warn', ['Warn']], ['workloads-audit', ['Audit']],
    ]);
    const [pods, , workloads] = docs;
    expect(pods!.kind).toBe('ValidatingPolicy');
    expect(pods!.apiVersion).toBe('policies.kyverno.io/v1');
    expect(pods!.spec.autogen.podControllers.controllers).toEqual([]);
    expect(pods!.spec.failurePolicy).toBe('Fail');
    expect(pods!.spec.matchConstraints.resourceRules[0].resources).toEqual(['pods', 'pods/ephemeralcontainers', 'pods/resize']);
    for (const key of ['title', 'category', 'severity', 'subject', 'description', 'minversion']) {
      expect(pods!.metadata.annotations[`policies.kyverno.io/${key}`]).toBeTruthy();
    }
    // PSA lets a workload through when evaluating it fails
    expect(workloads!.spec.failurePolicy).toBe('Ignore');
    expect(workloads!.spec.matchConstraints.resourceRules.flatMap((x: { resources: string[] }) => x.resources).sort()).toEqual([
      'cronjobs', 'daemonsets', 'deployments', 'jobs', 'podtemplates', 'replicasets', 'replicationcontrollers', 'statefulsets',
    ]);
  });

  it('prints a Kyverno ClusterPolicy per mode with rule-level failure actions', () => {
    const r = run('--target', 'kyverno', '--level', 'baseline', '--policy-version', 'v1.30', '--action', 'enforce,audit', '--kyverno-flavor', 'clusterpolicy');
    const [enforce, audit, workloads] = docsOf(r.stdout);
    expect(enforce!.kind).toBe('ClusterPolicy');
    expect(enforce!.spec.validationFailureAction).toBeUndefined();
    expect(enforce!.metadata.annotations['pod-policies.kyverno.io/autogen-controllers']).toBe('none');
    expect(enforce!.spec.rules.map((rule: any) => rule.validate.failureAction)).toEqual(Array(11).fill('Enforce'));
    expect(audit!.spec.rules.map((rule: any) => rule.validate.failureAction)).toEqual(Array(11).fill('Audit'));
    expect(workloads!.spec.rules.map((rule: any) => rule.validate.failureAction)).toEqual(Array(11).fill('Audit'));
    expect([enforce, audit, workloads].map((p) => p!.spec.emitWarning)).toEqual([false, false, false]);
  });

  it('gives every mode its own level, version and message prefix: the recommended configuration', () => {
    const r = run('--target', 'vap', '--admission-config', join(ROOT, 'policies/psa/admission-configuration.yaml'));
    expect(r.stderr).toBe('');
    const policies = docsOf(r.stdout).filter((d) => d.kind === 'ValidatingAdmissionPolicy');
    const summary = policies.map((p) => [p.metadata.annotations['pss-compile.dev/mode'], p.metadata.annotations['pss-compile.dev/level'],
      p.metadata.annotations['pss-compile.dev/version'], p.spec.failurePolicy]);
    expect(summary).toEqual([
      ['enforce', 'baseline', 'latest', 'Fail'], ['warn', 'restricted', 'latest', 'Fail'], ['audit', 'restricted', 'latest', 'Fail'],
      ['warn', 'restricted', 'latest', 'Ignore'], ['audit', 'restricted', 'latest', 'Ignore'],
    ]);
    // each policy names its prefix once, and every message starts with it
    const prefix = (p: { spec: { variables: { name: string; expression: string }[] } }) => p.spec.variables.find((v) => v.name === 'violation')?.expression;
    expect(prefix(policies[0]!)).toBe('"violates PodSecurity \\"baseline:latest\\": "');
    expect(prefix(policies[1]!)).toBe('"would violate PodSecurity \\"restricted:latest\\": "');
    expect(policies[0]!.spec.validations[0].messageExpression).toMatch(/^\[?\s*variables\.violation\b/);
    // no warning on a request enforce rejects
    expect(policies[1]!.spec.variables.map((v: { name: string }) => v.name)).toContain('enforceDenies');
    expect(policies[2]!.spec.variables.map((v: { name: string }) => v.name)).not.toContain('enforceDenies');
    // the AdmissionConfiguration and the PodSecurityConfiguration it points to compile the same bundle
    expect(run('--target', 'vap', '--admission-config', join(ROOT, 'policies/psa/pod-security.yaml')).stdout).toBe(r.stdout);
  });

  it('reads namespace labels in every unit with --namespace-labels, even where the default is privileged', () => {
    const r = run('--target', 'vap', '--admission-config', join(ROOT, 'policies/psa/pod-security.yaml'), '--namespace-labels', '--name', 'pss');
    expect(r.stderr).toBe('');
    const policies = docsOf(r.stdout).filter((d) => d.kind === 'ValidatingAdmissionPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['pss-enforce', 'pss-warn', 'pss-audit', 'pss-workloads-warn', 'pss-workloads-audit']);
    for (const p of policies) {
      const vars = p.spec.variables.map((v: { name: string }) => v.name);
      expect(vars).toEqual(expect.arrayContaining(['nsLabels', 'level', 'version', 'epoch']));
      expect(p.spec.variables.find((v: { name: string }) => v.name === 'nsLabels').expression).toContain('namespaceObject');
    }
    // a privileged-only configuration still needs every unit: a namespace may label any mode up
    const privileged = run('--target', 'gatekeeper', '--level', 'privileged', '--namespace-labels');
    expect(docsOf(privileged.stdout).filter((d) => d.kind === 'ConstraintTemplate')).toHaveLength(5);
    // the config key does the same as the flag
    const dir = tmp();
    writeFileSync(join(dir, 'c.yaml'), 'apiVersion: pss-compile.dev/v1alpha1\nkind: Bundle\ntarget: vap\nadmissionConfig: ' + join(ROOT, 'policies/psa/pod-security.yaml') + '\nnamespaceLabels: true\nname: pss\n');
    expect(run('--config', join(dir, 'c.yaml')).stdout).toBe(r.stdout);
  });

  it.each(['gatekeeper', 'vap', 'kyverno'])('compiles privileged (PSA\'s default for every mode) to an empty %s bundle', (target) => {
    const r = run('--target', target, '--level', 'privileged', '--action', 'enforce,warn,audit');
    expect(r).toEqual({ code: 0, stdout: `# generated by pss-compile ${PACKAGE_VERSION} — do not edit\n`, stderr: '' });
    const out = join(tmp(), 'bundle');
    expect(run('--target', target, '--level', 'privileged', '--out', out).code).toBe(0);
    expect(readdirSync(out)).toEqual(['kustomization.yaml', 'pss-compile.bundle.yaml']);
    expect(docsOf(readFileSync(join(out, 'kustomization.yaml'), 'utf8'))[0]!.resources).toEqual([]);
  });

  it('emits Rego v0 in the legacy field for old Gatekeeper', () => {
    const [template] = docsOf(run('--target', 'gatekeeper', '--level', 'baseline', '--rego-version', 'v0', '--gatekeeper-engine', 'rego').stdout);
    expect(template!.spec.targets[0].code).toBeUndefined();
    expect(template!.spec.targets[0].rego).toMatch(/import future\.keywords\.in/);
  });

  it('takes options from a config file, with flags overriding it', () => {
    const r = run('--config', join(ROOT, 'policies/restricted-enforce.yaml'), '--policy-version', 'v1.25', '--name', 'team-a');
    expect(r.code).toBe(0);
    const [template, constraint] = docsOf(r.stdout);
    expect(template!.metadata.name).toBe('teamaenforce');
    expect(constraint!.metadata.name).toBe('team-a-enforce');
    expect(constraint!.metadata.annotations['pss-compile.dev/version']).toBe('v1.25');
    expect(constraint!.spec.match.excludedNamespaces).toEqual(['kube-system']);
  });

  it.each(readdirSync(join(ROOT, 'policies')).filter((f) => f.endsWith('.yaml')))('compiles the example config policies/%s', (file) => {
    // a copy, so that a bundle set's outs land beside it rather than in the repository
    const dir = tmp();
    cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/pss-compile.js'), '--config', join('policies', file)], { encoding: 'utf8', cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const outs = parseAllDocuments(readFileSync(join(ROOT, 'policies', file), 'utf8'))[0]!.toJS().bundles?.map((b: { out: string }) => b.out);
    if (outs) for (const out of outs) expect(readdirSync(join(dir, 'policies', out))).toContain('kustomization.yaml');
    else expect(docsOf(r.stdout).length).toBeGreaterThan(0);
  });

  it('is byte-deterministic on stdout and in --out', () => {
    const args = ['--target', 'gatekeeper', '--level', 'restricted', '--exempt-namespaces', 'b,a'];
    expect(run(...args).stdout).toBe(run(...args).stdout);
    const [one, two] = [tmp(), tmp()].map((d) => join(d, 'bundle'));
    run(...args, '--out', one!);
    run(...args, '--out', two!);
    const files = walk(one!);
    expect(files).toEqual(walk(two!));
    for (const f of files) expect(readFileSync(join(one!, f), 'utf8')).toBe(readFileSync(join(two!, f), 'utf8'));
  });

  it('writes one file per resource, kustomizations and a record, replacing an earlier bundle', () => {
    const out = join(tmp(), 'bundle');
    mkdirSync(out);
    expect(run('--target', 'gatekeeper', '--level', 'baseline', '--out', out).code).toBe(0);
    expect(run('--target', 'gatekeeper', '--level', 'restricted', '--policy-version', 'v1.25', '--out', out).code).toBe(0);
    const files = walk(out);
    expect(files.map((f) => f.replace(/[0-9a-f]{8}/, 'X'))).toEqual([
      'constraints/constraint-pod-security-X-enforce.yaml',
      'constraints/kustomization.yaml',
      'kustomization.yaml',
      'pss-compile.bundle.yaml',
      'templates/constrainttemplate-podsecurityXenforce.yaml',
      'templates/kustomization.yaml',
    ]);
    const record = docsOf(readFileSync(join(out, 'pss-compile.bundle.yaml'), 'utf8'))[0]!;
    expect(record.files).toEqual(files);
    for (const f of files) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^# generated by pss-compile .* do not edit\n/);
  });
});
