// What one run compiles: a bundle from the flags, or each bundle of a config
// file (a Bundle, a BundleSet, or the record of an earlier bundle), with the
// flags overriding every one of them.
import { dirname, join, resolve } from 'node:path';
import { loadAdmissionConfig } from './admissionConfig/index.js';
import { readConfig, type BundleEntry } from './config/read.js';
import { defaultsOf, InputError, resolveOptions, type CompileOptions, type RawOptions } from './options.js';
import { RECORD_FILE } from './output/record.js';

export interface Job {
  options: CompileOptions;
  /** a bundle directory or a .yaml stream file; stdout when absent */
  out?: string;
}

const SHORTHAND = ['level', 'policyVersion', 'action'] as const;
const CONFIGURATION = ['defaults', 'admissionConfig'] as const;

/** Flags override the file; a configuration given on the command line replaces the file's, and so does the shorthand. */
function merge(fromFile: RawOptions, flags: RawOptions): RawOptions {
  const file = { ...fromFile };
  const given = (keys: readonly (keyof RawOptions)[]) => keys.some((k) => flags[k] !== undefined);
  if (given(SHORTHAND)) for (const k of CONFIGURATION) delete file[k];
  if (given(CONFIGURATION)) for (const k of SHORTHAND) delete file[k];
  return { ...file, ...flags };
}

/** Reads an admission config into PSA-shaped defaults and exemptions; exemptions given as options replace the file's. */
function withAdmissionConfig(raw: RawOptions): RawOptions {
  if (raw.admissionConfig === undefined) return raw;
  if (raw.defaults !== undefined) throw new InputError('defaults: given both inline and by admissionConfig');
  const psa = loadAdmissionConfig(raw.admissionConfig);
  const { admissionConfig: _, ...rest } = raw;
  return {
    ...rest,
    defaults: defaultsOf((m) => psa.defaults[m]),
    exemptNamespaces: raw.exemptNamespaces ?? psa.exemptions.namespaces,
    exemptUsernames: raw.exemptUsernames ?? psa.exemptions.usernames,
    exemptRuntimeClasses: raw.exemptRuntimeClasses ?? psa.exemptions.runtimeClasses,
  };
}

export const resolveJob = (raw: RawOptions): CompileOptions => resolveOptions(withAdmissionConfig(raw));

/** The jobs of a config file, with the flags applied to each bundle. */
export async function jobsFromConfig(path: string, flags: RawOptions, out?: string): Promise<Job[]> {
  const config = await readConfig(path);
  const base = dirname(path);
  const several = config.bundles.length > 1;
  if (several && out !== undefined) throw new InputError(`--out: ${path} has ${config.bundles.length} bundles, each written to its own out`);
  const jobs = config.bundles.map((bundle: BundleEntry, i): Job => {
    const { out: own, ...fromFile } = bundle;
    if (fromFile.admissionConfig !== undefined) fromFile.admissionConfig = resolve(base, fromFile.admissionConfig);
    const target = out ?? (own === undefined ? undefined : join(base, own));
    if (several && target === undefined) throw new InputError(`${config.where[i]}: each bundle of a set needs an out`);
    try {
      return { options: resolveJob(merge(fromFile, flags)), ...(target === undefined ? {} : { out: target }) };
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${config.where[i]}: ${e.message}`);
      throw e;
    }
  });
  const outs = jobs.flatMap((j) => (j.out === undefined ? [] : [resolve(j.out)]));
  const twice = outs.find((o, i) => outs.indexOf(o) !== i);
  if (twice) throw new InputError(`${path}: two bundles write to ${twice}`);
  return jobs;
}

/** `--check DIR`: the bundle a directory's record describes. */
export const jobsFromRecord = (dir: string, flags: RawOptions): Promise<Job[]> =>
  jobsFromConfig(join(dir, RECORD_FILE), flags).then((jobs) => jobs.map((j) => ({ ...j, out: dir })));
