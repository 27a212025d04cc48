// The Kyverno engine adapter, on hand-written policies through the real
// Kyverno CLI: results map back to (pod, check) in one batched run, pods reach
// Kyverno unchanged (nulls included), errors are flagged, and a policy the CLI
// silently skips is caught. (The generated policies are compared with
// upstream by `npm run conformance -- … --engines kyverno-vpol,kyverno-cpol`.)
import { describe, expect, it } from 'vitest';
import { profile } from '../src/model/registry.js';
import { parseVersion } from '../src/model/version.js';
import type { LevelVersion } from './harness/engine.js';
import { KyvernoEngine, type KyvernoEngineFlavor } from './harness/kyverno.js';

const target: LevelVersion = { level: 'baseline', version: 'v1.30' };
const CHECKS = profile('baseline', parseVersion('v1.30')).rules.map((r) => r.check);

/** expression and messageExpression of the checks these samples implement; the others always pass */
const SAMPLE: Record<string, [string, string]> = {
  hostNamespaces: ['object.spec.?hostNetwork.orValue(null) != true', "'host namespaces (hostNetwork=true)'"],
  privileged: [
    'variables.containers.all(c, c.?securityContext.?privileged.orValue(null) != true)',
    "'privileged (containers ' + variables.containers.filter(c, c.?securityContext.?privileged.orValue(null) == true)"
      + ".map(c, '\"' + c.name + '\"').join(', ') + ' must not set securityContext.privileged=true)'",
  ],
  // stand-ins that show how Kyverno treats explicit nulls, runtime errors and escaped characters
  hostPorts: ['!has(object.spec.hostPID)', "'hostPID is present'"],
  sysctls: ["object.metadata.labels.team != 'boom'", "'labels'"],
  seLinuxOptions: ["object.metadata.?annotations['x'].orValue('') != 'a\\u0085b\\u007f'", "'annotation x'"],
};

const containers = 'optional.ofNonZeroValue(object.spec.?containers.orValue(null)).orValue([])';
const validation = (check: string) => ({ expression: SAMPLE[check]?.[0] ?? 'true', messageExpression: SAMPLE[check]?.[1] ?? "'never'" });
const podRule = { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] };

function samplePolicy(flavor: KyvernoEngineFlavor, name = 'pod-security-baseline-v1.30'): Record<string, any> {
  if (flavor === 'vpol') {
    return {
      apiVersion: 'policies.kyverno.io/v1', kind: 'ValidatingPolicy', metadata: { name },
      spec: {
        validationActions: ['Deny'], failurePolicy: 'Fail', autogen: { podControllers: { controllers: [] } },
        matchConstraints: { resourceRules: [podRule] },
        variables: [{ name: 'containers', expression: containers }],
        validations: CHECKS.map(validation),
      },
    };
  }
  return {
    apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy',
    metadata: { name, annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'none' } },
    spec: {
      background: true,
      // reversed, to show the adapter puts messages in upstream order, not Kyverno's
      rules: Object.keys(SAMPLE).reverse().map((check) => ({
        name: check.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase(),
        match: { any: [{ resources: { kinds: ['Pod'], operations: ['CREATE', 'UPDATE'] } }] },
        validate: {
          failureAction: 'Enforce',
          cel: { variables: [{ name: 'containers', expression: containers }], expressions: [validation(check)] },
        },
      })),
    },
  };
}

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { team: 'a' }, ...metadata },
  spec: { containers: [{ name: 'a', image: 'nginx' }], ...spec },
});

const PODS = {
  good: pod({}),
  bad: pod({ hostNetwork: true, containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }, { name: 'b', image: 'x', securityContext: { privileged: true } }] }),
  nulls: pod({ hostNetwork: null, hostPID: null, initContainers: null, containers: [{ name: 'a', image: 'x', securityContext: { privileged: null } }] }),
  error: pod({}, { labels: null }),
  escaped: pod({}, { annotations: { x: 'a\u0085b\u007f' } }),
};

describe.each(['vpol', 'cpol'] as const)('kyverno-%s on hand-written policies', async (flavor) => {
  const engine = new KyvernoEngine({ flavor, documents: () => [samplePolicy(flavor)] });
  await engine.prepare([target]);
  // 40 copies of each pod under one name and namespace: names are rewritten, verdicts map back
  const pods = Object.values(PODS).flatMap((p) => Array.from({ length: 40 }, (_, i) => ({ ...p, metadata: { ...p.metadata, namespace: `ns${i % 3}` } })));
  const decisions = await engine.evaluate(pods.map((p) => ({ pod: p, target })));
  const of = (name: keyof typeof PODS) => decisions.filter((_, n) => pods[n]!.spec === PODS[name].spec && pods[n]!.metadata.labels === PODS[name].metadata.labels);

  it('maps every pod back, same pod same decision', () => {
    expect(engine.id).toBe(`kyverno-${flavor}`);
    expect(decisions).toHaveLength(pods.length);
    for (const name of Object.keys(PODS) as (keyof typeof PODS)[]) expect(new Set(of(name).map((d) => JSON.stringify(d))).size).toBe(1);
    expect(of('good')[0]).toEqual({ allowed: true, checks: [], parts: [], message: '', errored: false });
  });

  it('reports failing checks with their messages as the policy wrote them', () => {
    const d = of('bad')[0]!;
    const both = ['host namespaces (hostNetwork=true)', 'privileged (containers "a", "b" must not set securityContext.privileged=true)'];
    // a ValidatingPolicy stops at its first failing validation; ClusterPolicy rules each report
    const parts = flavor === 'vpol' ? both.slice(0, 1) : both;
    expect(d).toEqual({ allowed: false, checks: flavor === 'vpol' ? ['hostNamespaces'] : ['hostNamespaces', 'privileged'], parts, message: parts.join(', '), errored: false });
  });

  it('passes explicit nulls through: has() is true for a null field, null-safe reads see it unset', () => {
    const d = of('nulls')[0]!;
    expect(d.allowed).toBe(false);
    expect(d.checks).toEqual(['hostPorts']);
    expect(d.parts).toEqual(['hostPID is present']);
  });

  it('flags CEL runtime errors', () => {
    const d = of('error')[0]!;
    expect(d.allowed).toBe(false);
    expect(d.errored).toBe(true);
    expect(d.checks).toEqual(['sysctls']);
    expect(d.parts[0]).toMatch(flavor === 'vpol'
      ? /^evaluation error: no such key: team$/
      : /^evaluation error: expression 'object\.metadata\.labels\.team != 'boom'' resulted in error: /);
  });

  it('keeps characters YAML cannot carry raw', () => {
    expect(of('escaped')[0]!.parts).toEqual(['annotation x']);
  });
});

describe('a policy Kyverno cannot load', () => {
  it('is an error, not a silent pass: the ValidatingPolicy engine decodes strictly', async () => {
    const broken = samplePolicy('vpol');
    broken.spec.surprise = true;
    const engine = new KyvernoEngine({ flavor: 'vpol', documents: () => [broken] });
    await engine.prepare([target]);
    await expect(engine.evaluate([{ pod: PODS.good, target }])).rejects.toThrow(/unknown field "surprise"/);
  });

  it('is an error, not a silent pass: the CLI skips a ClusterPolicy it cannot load, which the adapter catches', async () => {
    const broken = samplePolicy('cpol');
    broken.spec.surprise = true;
    const engine = new KyvernoEngine({ flavor: 'cpol', documents: () => [broken] });
    await engine.prepare([target]);
    await expect(engine.evaluate([{ pod: PODS.good, target }])).rejects.toThrow(/kyverno reported nothing for/);
  });
});
