// What `pss-compile check` evaluates of each object, as an admission request:
// a Pod as its CREATE; a workload as the CREATE of the Pod its template makes
// (PSA only warns about the workload itself, but enforces on its pods); an
// AdmissionReview's request as it is. Every object is defaulted first as the
// API server would.
import type { AdmissionRequest } from '../evaluate/admission.js';
import { applyApiDefaults, defaultedIfPod } from '../evaluate/defaults.js';
import { at } from '../evaluate/rules.js';
import { POD, WORKLOAD_TEMPLATES } from '../model/pod.js';
import { isObject, type Obj } from '../object.js';
import type { Located } from './input.js';

export interface Subject {
  file: string;
  line: number;
  /** the object's kind and name as reported: the workload's, or the reviewed object's */
  kind: string;
  name: string;
  namespace: string;
  request: AdmissionRequest;
  /** the object is an AdmissionReview */
  review: boolean;
}

export interface Sorted {
  subjects: Subject[];
  /** Namespace objects, by name, for namespace-label mode */
  namespaces: Map<string, Obj>;
  /** objects of other kinds, not evaluated */
  skipped: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `apps/v1` → apps; `v1` → the core group */
const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

function podRequest(pod: Obj, namespace: string): AdmissionRequest {
  const { group, version, kind, resource } = POD;
  return {
    operation: 'CREATE', namespace, name: str(at(pod, ['metadata', 'name'])),
    kind: { group, version, kind }, resource: { group, version, resource }, object: applyApiDefaults(pod), userInfo: {},
  };
}

function subject(l: Located, defaultNamespace: string): Subject | 'namespace' | undefined {
  const o = l.object;
  const kind = str(o.kind);
  const group = groupOf(str(o.apiVersion));
  const name = str(at(o, ['metadata', 'name']));
  const namespace = str(at(o, ['metadata', 'namespace'])) || defaultNamespace;
  const base = { file: l.file, line: l.line, kind, name, namespace, review: false };
  if (group === '' && kind === 'Namespace') return 'namespace';
  if (group === POD.group && kind === POD.kind) return { ...base, request: podRequest(o, namespace) };
  const w = WORKLOAD_TEMPLATES.find((t) => t.group === group && t.kind === kind);
  if (w) {
    const template = at(o, w.template);
    const t = isObject(template) ? template : {};
    const metadata = isObject(t.metadata) ? t.metadata : {};
    return { ...base, request: podRequest({ apiVersion: POD.version, kind: POD.kind, metadata: { ...metadata, namespace }, spec: t.spec ?? {} }, namespace) };
  }
  if (group === 'admission.k8s.io' && kind === 'AdmissionReview' && isObject(o.request)) {
    const r = o.request as AdmissionRequest & Obj;
    const reviewed = isObject(r.object) ? r.object : isObject(r.oldObject) ? r.oldObject : {};
    return {
      ...base,
      kind: str(reviewed.kind) || str(r.kind?.kind),
      name: str(r.name) || str(at(reviewed, ['metadata', 'name'])),
      namespace: str(r.namespace),
      review: true,
      request: { ...r, object: defaultedIfPod(r.object), oldObject: defaultedIfPod(r.oldObject) },
    };
  }
  return undefined;
}

export function sortObjects(objects: readonly Located[], defaultNamespace: string): Sorted {
  const sorted: Sorted = { subjects: [], namespaces: new Map(), skipped: 0 };
  for (const l of objects) {
    const s = subject(l, defaultNamespace);
    if (s === 'namespace') {
      sorted.namespaces.set(str(at(l.object, ['metadata', 'name'])), l.object);
      sorted.skipped++;
    } else if (s) sorted.subjects.push(s);
    else sorted.skipped++;
  }
  return sorted;
}
