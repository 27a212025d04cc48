// Random pods for differential fuzzing, biased toward what the checks read.
//
// Each pod starts from one of a few bases (bare, restricted-compliant, Windows,
// user-namespaced) and then takes a handful of mutations, each of which sets one
// field the checks read, at pod or container level, to a value drawn from the
// allowed set, a forbidden neighbour, an explicit null, an empty object or list,
// or removes it. That keeps most pods near a decision boundary and combines
// settings the upstream corpus only ever changes one at a time. Values keep the
// types the API server accepts (a string where it wants a string, and so on);
// container and volume names stay unique, as the API server requires.
import { Random } from './random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
/** A value to set, or undefined to remove the field. */
type Draw = (r: Random) => Json | undefined;

const LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const NAMES = ['app', 'a', 'b', 'init', 'debug', 'sidecar', 'z', 'c-1', 'web', 'x1'];

const oneOf = (...values: (Json | undefined)[]): Draw => (r) => r.pick(values);
/** mostly one of the values, sometimes null or absent */
const field = (...values: Json[]): Draw => (r) => (r.chance(0.85) ? r.pick(values) : r.pick([null, undefined]));
const BOOL = field(true, false);

const ODD = ['"', '\\', '\n', '\t', '\u0007', '\u007f', 'é', '日本', '\u00a0', '\u200b', '😀', '\u0085', ' ', '='];
const oddString = (r: Random): string => Array.from({ length: 1 + r.int(3) }, () => (r.chance(0.5) ? r.pick(ODD) : r.pick(['p', 'x', 'localhost/', 'runtime/default']))).join('');

const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost', 'Unconfined', '', 'runtime/default', 'runtimedefault', 'Unknown'];
const APPARMOR_TYPES = ['RuntimeDefault', 'Localhost', 'Unconfined', '', 'unconfined', 'localhost'];
const profile = (types: readonly string[]): Draw => (r): Json => {
  const roll = r.int(10);
  if (roll === 0) return null;
  if (roll === 1) return {} as Obj;
  const type = r.chance(0.8) ? r.pick(types) : null;
  return type === 'Localhost' && r.chance(0.7) ? { type, localhostProfile: 'profiles/p.json' } : { type };
};
const seLinux: Draw = (r) => {
  if (r.chance(0.1)) return r.pick([null, {}]);
  const o: Obj = {};
  if (r.chance(0.7)) o.type = r.pick(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t', 'spc_t', 'unconfined_t', 'container_t ', 'Container_t']);
  if (r.chance(0.3)) o.user = r.pick(['', 'system_u', 'unconfined_u']);
  if (r.chance(0.3)) o.role = r.pick(['', 'system_r', 'object_r']);
  if (r.chance(0.3)) o.level = r.pick(['', 's0:c1,c2', 's0']);
  return o;
};
const windowsOptions: Draw = (r) => (r.chance(0.1) ? r.pick([null, {}]) : { hostProcess: BOOL(r) ?? null, ...(r.chance(0.3) ? { runAsUserName: 'ContainerUser' } : {}) });

const ADD = ['NET_BIND_SERVICE', 'CHOWN', 'AUDIT_WRITE', 'KILL', 'SETFCAP', 'SYS_CHROOT', 'MKNOD', 'SYS_ADMIN', 'NET_RAW', 'SYS_TIME', 'CAP_CHOWN', 'net_bind_service', 'ALL', ''];
const DROP = ['ALL', 'all', 'All', 'NET_RAW', 'CAP_ALL', 'SYS_ADMIN', ''];
const capList = (pool: readonly string[]): Draw => (r) =>
  (r.chance(0.1) ? r.pick([null, []]) : Array.from({ length: 1 + r.int(3) }, () => r.pick(pool)));
const capabilities: Draw = (r) => {
  if (r.chance(0.15)) return r.pick([null, {}]);
  const o: Obj = {};
  if (r.chance(0.6)) o.add = capList(ADD)(r)!;
  if (r.chance(0.7)) o.drop = capList(DROP)(r)!;
  return o;
};

/** One probe or lifecycle handler; the host is what hostProbesAndHostLifecycle reads. */
const handler: Draw = (r) => {
  if (r.chance(0.1)) return r.pick([null, {}]);
  const host = r.pick<Json | undefined>(['', '127.0.0.1', 'localhost', 'example.com', '10.0.0.1', null, undefined]);
  const kind = r.pick(['httpGet', 'tcpSocket', 'exec', 'both']);
  const withHost = (o: Obj): Obj => (host === undefined ? o : { ...o, host });
  if (kind === 'exec') return { exec: { command: ['true'] } };
  const http = withHost({ port: 8080, path: '/healthz' });
  const tcp = withHost({ port: 8080 });
  return kind === 'httpGet' ? { httpGet: http } : kind === 'tcpSocket' ? { tcpSocket: tcp } : { httpGet: http, tcpSocket: withHost({ port: 81 }) };
};
const ports: Draw = (r) => {
  if (r.chance(0.1)) return r.pick([null, []]);
  return Array.from({ length: 1 + r.int(3) }, (_, i) => {
    const p: Obj = { containerPort: 8080 + i };
    const hostPort = r.pick<Json | undefined>([0, 80, 8080, 9000, 65535, null, undefined]);
    if (hostPort !== undefined) p.hostPort = hostPort;
    return p;
  });
};

const SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat',
  // forbidden neighbours
  'kernel.msgmax', 'net.ipv4.tcp_syncookies_', 'net/ipv4/ip_local_port_range', 'net.core.somaxconn', 'Kernel.shm_rmid_forced', '',
];
const sysctls: Draw = (r) => (r.chance(0.1) ? r.pick([null, []])
  : Array.from({ length: 1 + r.int(3) }, () => ({ name: r.pick(SYSCTLS), value: '1' })));

/** Security-context fields containers and pods share, with their draws. */
const SHARED_SC: Record<string, Draw> = {
  runAsNonRoot: BOOL,
  runAsUser: field(0, 1, 1000, 65534),
  seccompProfile: profile(SECCOMP_TYPES),
  appArmorProfile: profile(APPARMOR_TYPES),
  seLinuxOptions: seLinux,
  windowsOptions,
};
/** Values of the shared fields that every check allows at container level. */
const GOOD_SC: Record<string, Json[]> = {
  runAsNonRoot: [true],
  runAsUser: [1000],
  seccompProfile: [{ type: 'RuntimeDefault' }, { type: 'Localhost', localhostProfile: 'profiles/p.json' }],
  appArmorProfile: [{ type: 'RuntimeDefault' }, { type: 'Localhost', localhostProfile: 'p' }],
  seLinuxOptions: [{ type: 'container_t' }, { level: 's0:c1,c2' }],
  windowsOptions: [{ hostProcess: false }],
};
const CONTAINER_SC: Record<string, Draw> = {
  ...SHARED_SC,
  privileged: BOOL,
  allowPrivilegeEscalation: BOOL,
  capabilities,
  procMount: field('Default', 'Unmasked', '', 'default'),
  readOnlyRootFilesystem: BOOL,
};
const POD_SC: Record<string, Draw> = {
  ...SHARED_SC,
  sysctls,
  runAsGroup: field(0, 1000),
  fsGroup: field(0, 2000),
};
const CONTAINER: Record<string, Draw> = {
  ports,
  livenessProbe: handler,
  readinessProbe: handler,
  startupProbe: handler,
  lifecycle: (r) => (r.chance(0.1) ? r.pick([null, {}]) : { ...(r.chance(0.7) ? { postStart: handler(r) ?? null } : {}), ...(r.chance(0.7) ? { preStop: handler(r) ?? null } : {}) }),
};

const VOLUME_SOURCES: Record<string, Json> = {
  configMap: { name: 'cm' }, secret: { secretName: 's' }, emptyDir: {}, projected: { sources: [] },
  downwardAPI: { items: [] }, persistentVolumeClaim: { claimName: 'c' }, csi: { driver: 'd' },
  ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } }, image: { reference: 'img' },
  hostPath: { path: '/var/run' }, nfs: { server: 'n', path: '/' }, gitRepo: { repository: 'r' },
  awsElasticBlockStore: { volumeID: 'v' }, iscsi: { targetPortal: 't', iqn: 'i', lun: 0 }, rbd: { monitors: ['m'], image: 'i' },
  flexVolume: { driver: 'f' }, cephfs: { monitors: ['m'] }, azureDisk: { diskName: 'd', diskURI: 'u' }, fc: {}, storageos: {},
};
const volume = (r: Random, name: string): Obj => {
  if (r.chance(0.08)) return { name }; // no source: the API server defaults it to emptyDir
  const v: Obj = { name, [r.pick(Object.keys(VOLUME_SOURCES))]: VOLUME_SOURCES[r.pick(Object.keys(VOLUME_SOURCES))]! };
  // a volume carrying two sources is API-invalid but decodes; keep it rare
  return r.chance(0.03) ? { ...v, hostPath: VOLUME_SOURCES.hostPath! } : v;
};

function setOrDelete(o: Obj, key: string, value: Json | undefined): void {
  if (value === undefined) delete o[key];
  else o[key] = value;
}

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at o[key], created (or replaced if null) when needed. */
function objectAt(o: Obj, key: string): Obj {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
}

interface Draft {
  meta: Obj;
  spec: Obj;
  names: string[];
}

function containers(d: Draft): Obj[] {
  return LISTS.flatMap((l) => (Array.isArray(d.spec[l]) ? (d.spec[l] as Json[]).filter(isObj) : []));
}

function newContainer(d: Draft): Obj | undefined {
  const name = NAMES.find((n) => !d.names.includes(n));
  if (!name) return undefined;
  d.names.push(name);
  return { name, image: 'registry.k8s.io/pause' };
}

/** A base the mutations start from. */
function base(r: Random, d: Draft): void {
  const kind = r.pick(['bare', 'bare', 'restricted', 'restricted', 'restricted', 'windows', 'userns']);
  const restricted = kind !== 'bare';
  for (const list of LISTS) {
    const n = list === 'containers' ? 1 + (r.chance(0.3) ? r.int(3) : 0) : r.chance(0.25) ? 1 + r.int(2) : 0;
    if (n === 0) {
      if (r.chance(0.1)) d.spec[list] = r.pick([null, []]);
      continue;
    }
    d.spec[list] = Array.from({ length: n }, () => newContainer(d)).filter((c): c is Obj => c !== undefined);
    if (restricted) {
      for (const c of d.spec[list] as Obj[]) {
        c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
      }
    }
  }
  if (restricted) d.spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  if (kind === 'windows') d.spec.os = { name: 'windows' };
  if (kind === 'userns') d.spec.hostUsers = false;
}

const MUTATIONS: [weight: number, mutate: (r: Random, d: Draft) => void][] = [
  // a container-level security-context field
  [10, (r, d) => {
    const cs = containers(d);
    if (cs.length === 0) return;
    const c = r.pick(cs);
    if (r.chance(0.08)) return setOrDelete(c, 'securityContext', r.pick([null, {}, undefined]));
    const key = r.pick(Object.keys(CONTAINER_SC));
    setOrDelete(objectAt(c, 'securityContext'), key, CONTAINER_SC[key]!(r));
  }],
  // a pod-level security-context field
  [6, (r, d) => {
    if (r.chance(0.08)) return setOrDelete(d.spec, 'securityContext', r.pick([null, {}, undefined]));
    const key = r.pick(Object.keys(POD_SC));
    setOrDelete(objectAt(d.spec, 'securityContext'), key, POD_SC[key]!(r));
  }],
  // a pod-level value that every container overrides with a good one: upstream judges each setter
  // on its own, so a bad pod-level value still fails (the classic bypass of effective-value policies)
  [2, (r, d) => {
    const cs = containers(d);
    const key = r.pick(Object.keys(GOOD_SC));
    setOrDelete(objectAt(d.spec, 'securityContext'), key, SHARED_SC[key]!(r));
    for (const c of cs) objectAt(c, 'securityContext')[key] = r.pick(GOOD_SC[key]!);
  }],
  // ports, probes, lifecycle
  [3, (r, d) => {
    const cs = containers(d);
    if (cs.length === 0) return;
    const key = r.pick(Object.keys(CONTAINER));
    setOrDelete(r.pick(cs), key, CONTAINER[key]!(r));
  }],
  // host namespaces, hostUsers, OS
  [3, (r, d) => {
    const key = r.pick(['hostNetwork', 'hostPID', 'hostIPC', 'hostUsers', 'os']);
    setOrDelete(d.spec, key, key === 'os' ? r.pick<Json | undefined>([null, {}, { name: 'windows' }, { name: 'linux' }, { name: 'Windows' }, { name: '' }, undefined]) : BOOL(r));
  }],
  // volumes
  [2, (r, d) => {
    if (r.chance(0.15)) return setOrDelete(d.spec, 'volumes', r.pick([null, [], undefined]));
    d.spec.volumes = Array.from({ length: 1 + r.int(3) }, (_, i) => volume(r, `v${i}`));
  }],
  // another container, in any list
  [2, (r, d) => {
    const list = r.pick(LISTS);
    const c = newContainer(d);
    if (!c) return;
    if (r.chance(0.5)) c.securityContext = { allowPrivilegeEscalation: r.chance(0.8) ? false : true, capabilities: { drop: ['ALL'] } };
    d.spec[list] = [...(Array.isArray(d.spec[list]) ? (d.spec[list] as Json[]) : []), c];
  }],
  // a container list set to null or empty, or a container removed
  [1, (r, d) => {
    const list = r.pick(LISTS);
    if (r.chance(0.5)) return setOrDelete(d.spec, list, r.pick([null, [], undefined]));
    const items = d.spec[list];
    if (Array.isArray(items) && items.length > 0) items.splice(r.int(items.length), 1);
  }],
  // AppArmor and seccomp annotations, for existing containers, missing ones, or the pod
  [3, (r, d) => {
    const annotations = objectAt(d.meta, 'annotations');
    const target = r.chance(0.8) && d.names.length > 0 ? r.pick(d.names) : r.pick(['missing', '', 'APP']);
    const form = r.int(3);
    const key = form === 0 ? `container.apparmor.security.beta.kubernetes.io/${target}`
      : form === 1 ? `container.seccomp.security.alpha.kubernetes.io/${target}` : 'seccomp.security.alpha.kubernetes.io/pod';
    const values = form === 0 ? ['runtime/default', 'localhost/p', 'localhost/', 'unconfined', '', 'docker/default', 'Runtime/Default']
      : ['runtime/default', 'docker/default', 'localhost/p', 'localhost/', 'unconfined', '', 'localhost'];
    annotations[key] = r.chance(0.1) ? oddString(r) : r.pick(values);
  }],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((n, [w]) => n + w, 0);

function mutate(r: Random, d: Draft): void {
  let roll = r.int(TOTAL_WEIGHT);
  for (const [weight, m] of MUTATIONS) {
    if (roll < weight) return m(r, d);
    roll -= weight;
  }
}

/** One random pod; the same seed and index always give the same pod. */
export function randomPod(r: Random, name: string): Obj {
  const d: Draft = { meta: { name, namespace: 'default' }, spec: {}, names: [] };
  base(r, d);
  for (let n = 1 + r.int(5); n > 0; n--) mutate(r, d);
  return { apiVersion: 'v1', kind: 'Pod', metadata: d.meta, spec: d.spec };
}

/** n pods from a seed. */
export function randomPods(seed: number, n: number): Obj[] {
  const r = new Random(seed);
  return Array.from({ length: n }, (_, i) => randomPod(r, `fuzz-${seed}-${i}`));
}
