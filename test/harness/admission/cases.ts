// Admission case directories: `config.yaml` (a PodSecurityConfiguration) and
// case files, each one YAML stream holding the Namespace and one
// admission.k8s.io/v1 AdmissionReview. No expected outcome is stored: the
// admission oracle computes it.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { defaultedIfPod } from '../../../src/evaluate/defaults.js';

type Obj = Record<string, any>;

export interface AdmissionRequest extends Obj {
  operation: string;
  subResource?: string;
  namespace?: string;
  name?: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  userInfo?: { username?: string; groups?: string[] };
  object?: Obj | null;
  oldObject?: Obj | null;
}

export interface AdmissionCase {
  /** the case file, relative to the working directory */
  id: string;
  namespaces: Obj[];
  request: AdmissionRequest;
}

/** pss-compile.yaml beside config.yaml: how the directory's bundle is compiled beyond the PSA configuration */
export interface CaseCompile {
  /** the bundle reads the namespaces' pod-security.kubernetes.io labels */
  namespaceLabels?: boolean;
  /** label mode: the versions the bundle carries (default all) */
  versions?: string[];
}

export const COMPILE_FILE = 'pss-compile.yaml';

export interface CaseDir {
  dir: string;
  /** config.yaml as written */
  configText: string;
  config: Obj;
  compile: CaseCompile;
  cases: AdmissionCase[];
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request as the API server sends it: requestKind, requestResource and
 * requestSubResource (what upstream's webhook reads) equal kind, resource and
 * subResource unless the request was converted, and the objects carry the
 * API server's defaulting.
 */
export function asSent(request: AdmissionRequest): AdmissionRequest {
  return {
    ...request,
    requestKind: request.requestKind ?? request.kind,
    requestResource: request.requestResource ?? request.resource,
    ...(request.requestSubResource === undefined && request.subResource ? { requestSubResource: request.subResource } : {}),
    object: defaultedIfPod(request.object),
    oldObject: defaultedIfPod(request.oldObject),
  };
}

export function loadCaseDir(dir: string, base = process.cwd()): CaseDir {
  const configPath = join(dir, 'config.yaml');
  const configText = readFileSync(configPath, 'utf8');
  const config = parseAllDocuments(configText)[0]?.toJS() as Obj;
  const compileFile = join(dir, COMPILE_FILE);
  const compile = (statSync(compileFile, { throwIfNoEntry: false })?.isFile() ? parseAllDocuments(readFileSync(compileFile, 'utf8'))[0]?.toJS() : {}) as CaseCompile;
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'config.yaml' && f !== COMPILE_FILE).sort();
  const cases = files.map((f): AdmissionCase => {
    const file = join(dir, f);
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    }).filter(isObject);
    const reviews = docs.filter((d) => d.kind === 'AdmissionReview');
    if (reviews.length !== 1 || !isObject(reviews[0]!.request)) throw new Error(`${file}: want exactly one AdmissionReview with a request`);
    const request = reviews[0]!.request as AdmissionRequest;
    return {
      id: relative(base, file),
      namespaces: docs.filter((d) => d.kind === 'Namespace'),
      request: asSent(request),
    };
  });
  return { dir: relative(base, dir) || dir, configText, config, compile: compile ?? {}, cases };
}

/** Each argument is a case directory, or a directory of case directories. */
export function findCaseDirs(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (statSync(join(p, 'config.yaml'), { throwIfNoEntry: false })?.isFile()) return [p];
    return readdirSync(p).sort().map((d) => join(p, d)).filter((d) => statSync(join(d, 'config.yaml'), { throwIfNoEntry: false })?.isFile());
  });
}

/** Cases in batches whose namespaces agree (an engine process resolves a namespace by its name). */
export function namespaceBatches(cases: readonly AdmissionCase[]): number[][] {
  const groups: { namespaces: Map<string, string>; members: number[] }[] = [];
  cases.forEach((c, i) => {
    const fits = (g: (typeof groups)[number]) => c.namespaces.every((n) => {
      const known = g.namespaces.get(n.metadata?.name);
      return known === undefined || known === JSON.stringify(n);
    });
    let group = groups.find(fits);
    if (!group) groups.push(group = { namespaces: new Map(), members: [] });
    for (const n of c.namespaces) group.namespaces.set(n.metadata?.name, JSON.stringify(n));
    group.members.push(i);
  });
  return groups.map((g) => g.members);
}
