// Random admission requests for differential fuzzing of the admission gate:
// an existing pod (from the pod generator) and an UPDATE of it that changes
// labels, annotations, tolerations, images, container counts or ephemeral
// containers, sometimes through a subresource, sometimes by an exempt user or
// for an exempt runtime class or namespace. Most changes are insignificant to
// PSA, some significant; the generated pods fail checks often, so a bundle that
// evaluates the wrong updates is caught both ways.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { MODES } from '../../../src/model/admission.js';
import { levelLabel, versionLabel as versionLabelKey } from '../../../src/model/namespaceLabels.js';
import { BOUNDARY_MINORS } from '../../../src/model/registry.js';
import { LEVELS } from '../../../src/model/types.js';
import { versionLabel } from '../../../src/model/version.js';
import { asSent, type CaseDir } from '../admission/cases.js';
import { randomPod } from './pods.js';
import { Random } from './random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const list = (spec: Obj, key: string): Obj[] => (Array.isArray(spec[key]) ? (spec[key] as Obj[]) : []);
const IMAGES = ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.10', 'busybox', '', null];
const DEBUG_CONTEXTS: (Obj | undefined)[] = [undefined, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, { privileged: true }, { capabilities: { add: ['SYS_PTRACE'] } }];

const UPDATES: [weight: number, name: string, change: (r: Random, pod: Obj) => void][] = [
  [3, 'labels', (r, p) => {
    const labels = (((p.metadata as Obj).labels ??= {}) as Obj);
    labels[r.pick(['app', 'tier', 'x'])] = r.pick(['a', 'b', '']);
  }],
  [2, 'annotations', (r, p) => {
    const a = (((p.metadata as Obj).annotations ??= {}) as Obj);
    a[r.pick(['note', 'container.seccomp.security.alpha.kubernetes.io/app', 'container.apparmor.security.beta.kubernetes.io/app'])] = r.pick(['unconfined', 'x', 'runtime/default']);
  }],
  [1, 'tolerations', (r, p) => { (p.spec as Obj).tolerations = [{ key: 'k', operator: 'Exists', effect: r.pick(['NoSchedule', 'NoExecute']) }]; }],
  [1, 'activeDeadlineSeconds', (r, p) => { (p.spec as Obj).activeDeadlineSeconds = 1 + r.int(1000); }],
  [2, 'securityContext', (r, p) => {
    const cs = [...list(p.spec as Obj, 'containers'), ...list(p.spec as Obj, 'initContainers')];
    if (cs.length) r.pick(cs).securityContext = r.pick<Json>([{ privileged: true }, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, null]);
  }],
  [4, 'image', (r, p) => {
    const cs = list(p.spec as Obj, r.pick(['containers', 'initContainers']));
    if (cs.length) {
      const c = r.pick(cs);
      const image = r.pick(IMAGES);
      if (image === null && r.chance(0.5)) delete c.image; else c.image = image;
    }
  }],
  [1, 'container added', (r, p) => {
    const key = r.pick(['containers', 'initContainers']);
    (p.spec as Obj)[key] = [...list(p.spec as Obj, key), { name: `added-${r.int(100)}`, image: 'busybox' }];
  }],
  [1, 'container removed', (r, p) => { const cs = list(p.spec as Obj, r.pick(['containers', 'initContainers'])); if (cs.length) cs.splice(r.int(cs.length), 1); }],
  [1, 'containers swapped', (r, p) => { list(p.spec as Obj, r.pick(['containers', 'initContainers'])).reverse(); }],
  [4, 'ephemeral added', (r, p) => {
    const sc = r.pick(DEBUG_CONTEXTS);
    (p.spec as Obj).ephemeralContainers = [...list(p.spec as Obj, 'ephemeralContainers'),
      { name: r.pick(['debugger', 'debugger-2', 'dbg']), image: r.pick(['busybox', 'registry.k8s.io/pause:3.9']), ...(sc ? { securityContext: sc } : {}) }];
  }],
  [2, 'ephemeral changed', (r, p) => {
    const es = list(p.spec as Obj, 'ephemeralContainers');
    if (!es.length) return;
    const e = r.pick(es);
    if (r.chance(0.5)) e.image = r.pick(['busybox:2', 'registry.k8s.io/pause:3.10']); else e.name = `${String(e.name)}-renamed`;
  }],
  [1, 'ephemeral removed', (r, p) => { delete (p.spec as Obj).ephemeralContainers; }],
];
const TOTAL = UPDATES.reduce((n, [w]) => n + w, 0);

function update(r: Random, pod: Obj): void {
  let roll = r.int(TOTAL);
  for (const [w, , change] of UPDATES) {
    if (roll < w) return change(r, pod);
    roll -= w;
  }
}

/** The configuration the generated requests are judged under: every exemption kind, restricted in every mode. */
export const FUZZ_CONFIG = {
  apiVersion: 'pod-security.admission.config.k8s.io/v1',
  kind: 'PodSecurityConfiguration',
  // each mode at its own level or version: warn (restricted before the v1.25 Windows relaxation) is silenced whenever enforce denies
  defaults: { enforce: 'restricted', 'enforce-version': 'latest', audit: 'baseline', 'audit-version': 'latest', warn: 'restricted', 'warn-version': 'v1.24' },
  exemptions: { namespaces: ['kube-system'], usernames: ['admin@example.com'], runtimeClasses: ['kata'] },
};

/** With labelled namespaces: looser defaults, so the labels decide more, and warn at privileged, so it follows enforce labels. */
export const FUZZ_LABEL_CONFIG = {
  ...FUZZ_CONFIG,
  defaults: { enforce: 'baseline', 'enforce-version': 'latest', audit: 'baseline', 'audit-version': 'v1.24', warn: 'privileged', 'warn-version': 'latest' },
};

const LEVEL_VALUES = [...LEVELS, 'restricted', 'Restricted', 'strict', ''];
/** each version where a check changes, the one before it, and forms upstream does not parse */
const VERSION_VALUES = [
  'latest', ...BOUNDARY_MINORS.flatMap((m) => (m > 0 ? [m - 1, m] : [m])).map(versionLabel), 'v1.99',
  'v1.025', '1.25', 'v2.0', 'v1.99999999999999999999', 'Latest',
];

/** Each PSA label with probability 0.3, valid or not; the namespace is named after its labels. */
function randomNamespace(r: Random): Obj {
  const labels: Record<string, string> = {};
  for (const mode of MODES) {
    if (r.chance(0.3)) labels[levelLabel(mode)] = r.pick(LEVEL_VALUES);
    if (r.chance(0.3)) labels[versionLabelKey(mode)] = r.pick(VERSION_VALUES);
  }
  const name = `ns-${createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 10)}`;
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

/** n UPDATE requests from a seed, as a case directory held in memory; with `namespaceLabels`, in labelled namespaces. */
export function randomUpdates(seed: number, n: number, namespaceLabels = false): CaseDir {
  const r = new Random(seed);
  const cases = Array.from({ length: n }, (_, i) => {
    const old = randomPod(r, `upd-${seed}-${i}`) as Obj;
    if (r.chance(0.1)) (old.spec as Obj).runtimeClassName = r.pick(['kata', 'kata-2', '']);
    if (r.chance(0.3)) (old.spec as Obj).ephemeralContainers = [{ name: 'debugger', image: 'busybox', ...(r.chance(0.5) ? { securityContext: { privileged: true } } : {}) }];
    const pod = clone(old);
    for (let k = 1 + r.int(2); k > 0; k--) update(r, pod);
    const exempt = r.chance(0.1);
    const ns = namespaceLabels && !exempt ? randomNamespace(r) : undefined;
    const namespace = exempt ? 'kube-system' : ns ? String((ns.metadata as Obj).name) : 'team-a';
    (pod.metadata as Obj).namespace = namespace;
    (old.metadata as Obj).namespace = namespace;
    const subResource = r.chance(0.75) ? '' : r.pick(['ephemeralcontainers', 'ephemeralcontainers', 'status', 'resize', 'binding']);
    const username = r.chance(0.1) ? r.pick(['admin@example.com', 'admin@example.co']) : 'jane@example.com';
    return {
      id: `fuzz-update-${seed}-${i}`,
      namespaces: [ns ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } } }],
      request: asSent({
        uid: `fuzz-${seed}-${i}`,
        kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        ...(subResource ? { subResource } : {}),
        name: String((pod.metadata as Obj).name), namespace, operation: 'UPDATE',
        userInfo: { username, groups: ['system:authenticated'] },
        object: pod, oldObject: old,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' },
      }),
    };
  });
  return {
    dir: `fuzz-updates (seed ${seed}${namespaceLabels ? ', labelled namespaces' : ''})`,
    ...(namespaceLabels
      ? { configText: stringify(FUZZ_LABEL_CONFIG), config: FUZZ_LABEL_CONFIG, compile: { namespaceLabels } }
      : { configText: stringify(FUZZ_CONFIG), config: FUZZ_CONFIG, compile: {} }),
    cases: cases as CaseDir['cases'],
  };
}

/** A case as a file of the case format (Namespace, then the AdmissionReview), to keep a finding. */
export function caseFile(c: CaseDir['cases'][number]): string {
  return [...c.namespaces, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: c.request }]
    .map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n');
}

