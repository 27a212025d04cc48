// The bundle a case directory's configuration compiles to. This issue's
// configurations put every mode they set at one level and version; the bundle
// takes the strongest mode as its action (enforce, else warn, else audit).
import type { Action, RawOptions } from '../../../src/options.js';

type Obj = Record<string, any>;
export type Mode = Action;
/** strongest first */
export const MODES: readonly Mode[] = ['enforce', 'warn', 'audit'];

export interface BundleSpec {
  /** options for resolveOptions, without the target */
  options: RawOptions;
  /** the mode the bundle implements; the others the configuration sets are at the same level and version */
  mode: Mode;
}

export function bundleSpec(config: Obj): BundleSpec {
  const defaults: Obj = config?.defaults ?? {};
  const set = MODES.map((m) => ({ mode: m, level: String(defaults[m] ?? 'privileged'), version: String(defaults[`${m}-version`] ?? 'latest') }))
    .filter((m) => m.level !== 'privileged');
  const levels = new Set(set.map((m) => `${m.level}:${m.version}`));
  if (levels.size > 1) throw new Error(`modes at different levels or versions (${[...levels].join(', ')}) are not supported yet`);
  const primary = set[0] ?? { mode: 'enforce' as Mode, level: 'privileged', version: 'latest' };
  const exemptions: Obj = config?.exemptions ?? {};
  return {
    mode: primary.mode,
    options: {
      level: primary.level, version: primary.version, action: primary.mode,
      exemptNamespaces: exemptions.namespaces ?? [], exemptUsernames: exemptions.usernames ?? [], exemptRuntimeClasses: exemptions.runtimeClasses ?? [],
    },
  };
}
