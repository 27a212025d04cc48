// The API server's defaulting that the checks depend on, applied before any
// evaluation (by `pss-compile check` and by every test engine and oracle).
import { VOLUME_SOURCES } from '../model/pod.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The API server turns a volume with no source into an emptyDir volume. */
export function applyApiDefaults<T>(pod: T): T {
  if (!isObject(pod)) return pod;
  const spec = pod.spec;
  if (!isObject(spec) || !Array.isArray(spec.volumes)) return pod;
  const volumes = spec.volumes.map((v: unknown) =>
    isObject(v) && !VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null) ? { ...v, emptyDir: {} } : v);
  return { ...pod, spec: { ...spec, volumes } };
}
