// Config files: one bundle (kind Bundle) or a set of them (kind BundleSet),
// validated against the schema, with errors that point at file, line and column.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { InputError, type RawOptions } from '../options.js';
import { EnvironmentError } from '../output/errors.js';
import { nearest } from '../suggest.js';
import { API_VERSION, BUNDLE_PROPERTIES, CONFIG_SCHEMA, KINDS, PATTERN_HINTS } from './schema.js';

export interface BundleEntry extends RawOptions {
  /** relative to the config file */
  out?: string;
}

export interface ConfigFile {
  path: string;
  kind: (typeof KINDS)[number];
  bundles: BundleEntry[];
  /** where each bundle starts, as file:line:col, for errors found later */
  where: string[];
  /** a bundle's record: the files pss-compile wrote */
  files?: string[];
}

interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let validator: Validate | undefined;
/** ajv is loaded only when a config file is read: the CLI starts faster without it */
async function validate(): Promise<Validate> {
  if (!validator) {
    const { Ajv } = await import('ajv');
    validator = new Ajv({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA) as unknown as Validate;
  }
  return validator;
}

const KEYWORD_ORDER = ['additionalProperties', 'propertyNames', 'required', 'const', 'enum', 'pattern', 'type', 'minItems', 'uniqueItems', 'anyOf'];

/** The error a user should see first: the deepest, then the most specific. */
function firstError(errors: readonly AjvError[]): AjvError {
  const depth = (e: AjvError) => e.instancePath.split('/').length;
  const rank = (e: AjvError) => {
    const i = KEYWORD_ORDER.indexOf(e.keyword);
    return i < 0 ? KEYWORD_ORDER.length : i;
  };
  return [...errors].filter((e) => e.keyword !== 'if').sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0] ?? errors[0]!;
}

const segments = (pointer: string): (string | number)[] =>
  pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function schemaAt(path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let schema: Record<string, unknown> | undefined = CONFIG_SCHEMA as unknown as Record<string, unknown>;
  for (const s of path) {
    if (!schema) return undefined;
    schema = typeof s === 'number'
      ? (schema.items as Record<string, unknown> | undefined)
      : ((schema.properties as Record<string, Record<string, unknown>> | undefined)?.[s]);
  }
  return schema;
}

const quote = (v: unknown): string => JSON.stringify(v) ?? String(v);
const label = (path: readonly (string | number)[]): string =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'config';

function explain(e: AjvError, value: unknown): { text: string; key?: string } {
  const path = segments(e.instancePath);
  const where = label(path);
  const p = e.params;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((schemaAt(path)?.properties as object | undefined) ?? {});
      const near = nearest(key, allowed);
      return { key, text: `unknown key ${quote(key)}${near ? ` (did you mean ${quote(near)}?)` : `; allowed: ${allowed.join(', ')}`}` };
    }
    case 'propertyNames': {
      const key = String(p.propertyName);
      return { key, text: `${quote(key)} belongs in a bundle, under bundles: (kind BundleSet holds only bundles)` };
    }
    case 'required':
      return { text: `${where === 'config' ? '' : `${where}: `}missing key ${quote(p.missingProperty)}` };
    case 'const':
      return { text: `${where}: must be ${String(p.allowedValue)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const near = typeof value === 'string' ? nearest(value, allowed) : undefined;
      return { text: `${where}: ${quote(value)} is not allowed; one of ${allowed.join(', ')}${near ? ` (did you mean ${quote(near)}?)` : ''}` };
    }
    case 'pattern':
      return { text: `${where}: ${quote(value)} must be ${PATTERN_HINTS[String(p.pattern)] ?? `like ${String(p.pattern)}`}` };
    case 'type':
      return { text: `${where}: must be ${String(p.type).replace(',', ' or ')}, not ${quote(value)}` };
    default:
      return { text: `${where}: ${e.message ?? 'is invalid'}` };
  }
}

function position(doc: Document, counter: LineCounter, path: readonly (string | number)[], key?: string): { line: number; col: number } {
  let node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null | undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((i) => isScalar(i.key) && i.key.value === key);
    if (pair?.key) node = pair.key as Node;
  }
  return counter.linePos(node?.range?.[0] ?? 0);
}

export async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // a wrong path is the user's; anything else (permissions, I/O) is the machine's
    if (code && !['ENOENT', 'ENOTDIR', 'EISDIR'].includes(code)) throw new EnvironmentError('read', path, code);
    throw new InputError(`cannot read config ${path}: ${code ?? (e as Error).message}`);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const at = (pos: { line: number; col: number }) => `${path}:${pos.line}:${pos.col}`;
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new InputError(`${at(counter.linePos(err.pos[0]))}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  // every option is text: an unquoted 1.35 or 1.30 means what it says, not a float
  visit(doc, { Scalar(_, node) { if (typeof node.value === 'number' && node.range) node.value = text.slice(node.range[0], node.range[1]); } });
  const data = doc.toJS() as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${path}: a config is a mapping starting with apiVersion: ${API_VERSION} and kind: ${KINDS.join(' or ')}`);
  }
  if (data.apiVersion === undefined) {
    throw new InputError(`${at({ line: 1, col: 1 })}: missing apiVersion; a config starts with apiVersion: ${API_VERSION} and kind: ${KINDS.join(' or ')}`);
  }
  const check = await validate();
  if (!check(data)) {
    const err = firstError(check.errors ?? []);
    const path_ = segments(err.instancePath);
    const { text: message, key } = explain(err, doc.getIn(path_));
    throw new InputError(`${at(position(doc, counter, path_, key))}: ${message}`);
  }
  const bundleKeys = Object.keys(BUNDLE_PROPERTIES);
  const pick = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => bundleKeys.includes(k))) as BundleEntry;
  const kind = data.kind as ConfigFile['kind'];
  const bundles = kind === 'BundleSet' ? (data.bundles as Record<string, unknown>[]).map(pick) : [pick(data)];
  const where = kind === 'BundleSet' ? bundles.map((_, i) => at(position(doc, counter, ['bundles', i]))) : [at({ line: 1, col: 1 })];
  return { path, kind, bundles, where, ...(Array.isArray(data.files) ? { files: data.files as string[] } : {}) };
}
