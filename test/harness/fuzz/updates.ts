// Random admission requests for differential fuzzing of the admission gate:
// an existing pod (from the pod generator) and an UPDATE of it that changes
// labels, annotations, tolerations, images, container counts or ephemeral
// containers, sometimes through a subresource, sometimes by an exempt user or
// for an exempt runtime class or namespace. Most changes are insignificant to
// PSA, some significant; the generated pods fail checks often, so a bundle that
// evaluates the wrong updates is caught both ways.
import { stringify } from 'yaml';
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

/** n UPDATE requests from a seed, as a case directory held in memory. */
export function randomUpdates(seed: number, n: number): CaseDir {
  const r = new Random(seed);
  const cases = Array.from({ length: n }, (_, i) => {
    const old = randomPod(r, `upd-${seed}-${i}`) as Obj;
    if (r.chance(0.1)) (old.spec as Obj).runtimeClassName = r.pick(['kata', 'kata-2', '']);
    if (r.chance(0.3)) (old.spec as Obj).ephemeralContainers = [{ name: 'debugger', image: 'busybox', ...(r.chance(0.5) ? { securityContext: { privileged: true } } : {}) }];
    const pod = clone(old);
    for (let k = 1 + r.int(2); k > 0; k--) update(r, pod);
    const namespace = r.chance(0.1) ? 'kube-system' : 'team-a';
    (pod.metadata as Obj).namespace = namespace;
    (old.metadata as Obj).namespace = namespace;
    const subResource = r.chance(0.75) ? '' : r.pick(['ephemeralcontainers', 'ephemeralcontainers', 'status', 'resize', 'binding']);
    const username = r.chance(0.1) ? r.pick(['admin@example.com', 'admin@example.co']) : 'jane@example.com';
    return {
      id: `fuzz-update-${seed}-${i}`,
      namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } } }],
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
  return { dir: `fuzz-updates (seed ${seed})`, configText: stringify(FUZZ_CONFIG), config: FUZZ_CONFIG, cases: cases as CaseDir['cases'] };
}

/** A case as a file of the case format (Namespace, then the AdmissionReview), to keep a finding. */
export function caseFile(c: CaseDir['cases'][number]): string {
  return [...c.namespaces, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: c.request }]
    .map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n');
}

