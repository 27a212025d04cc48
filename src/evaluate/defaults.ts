// The API server's defaulting that the checks depend on, applied before any
// evaluation (by `pss-compile check` and by every test engine and oracle).
import { POD, VOLUME_SOURCES } from '../model/pod.js';
import { isObject } from '../object.js';

/** The API server turns a volume with no source into an emptyDir volume. */
export function applyApiDefaults<T>(pod: T): T {
  if (!isObject(pod)) return pod;
  const spec = pod.spec;
  if (!isObject(spec) || !Array.isArray(spec.volumes)) return pod;
  const volumes = spec.volumes.map((v: unknown) =>
    isObject(v) && !VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null) ? { ...v, emptyDir: {} } : v);
  return { ...pod, spec: { ...spec, volumes } };
}

/** An AdmissionRequest's object or oldObject, defaulted when it is a Pod (the only kind the defaulting concerns). */
export const defaultedIfPod = <T>(o: T): T => (isObject(o) && o.kind === POD.kind ? applyApiDefaults(o) : o);
