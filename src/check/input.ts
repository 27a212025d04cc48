// The objects `pss-compile check` reads: files, directories (recursively, in
// name order) and standard input; multi-document YAML and JSON; the items of
// List objects. Each object keeps the file and line it starts at.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { isObject, type Obj } from '../object.js';
import { InputError } from '../options.js';
import { EnvironmentError, fsDo } from '../output/errors.js';

export interface Located {
  /** the path as given (or below a given directory); `-` is standard input */
  file: string;
  line: number;
  object: Obj;
}

const { FAILSAFE_SCHEMA, Type, YAMLException, loadAll } = jsyaml;
// js-yaml exports its built-in types; @types/js-yaml does not declare them
const types = (jsyaml as unknown as { types: Record<'null' | 'int' | 'float' | 'merge', InstanceType<typeof Type>> }).types;

/**
 * YAML as kubectl reads it (sigs.k8s.io/yaml on go-yaml v2, YAML 1.1): an
 * unquoted yes, no, on, off, y or n is a boolean, so `privileged: yes` is
 * checked as the API server will see it; merge keys (`<<`) merge.
 */
const YAML11_TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const YAML11_FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const yaml11Bool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (YAML11_TRUE.includes(data) || YAML11_FALSE.includes(data)),
  construct: (data: string) => YAML11_TRUE.includes(data),
  predicate: (value: unknown) => typeof value === 'boolean',
});
const KUBECTL_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [types.null, yaml11Bool, types.int, types.float, types.merge] });

export const STDIN = '-';
/** how a file is named in reports: standard input as <stdin> */
export const displayName = (file: string): string => (file === STDIN ? '<stdin>' : file);
const MANIFEST = /\.(ya?ml|json)$/i;

/** The manifest files under each path: a file as given, a directory's .yaml, .yml and .json files at any depth. */
export function manifestFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (path === STDIN) return [path];
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new InputError(`${path}: no such file or directory`);
    if (!stat.isDirectory()) return [path];
    const walk = (dir: string): string[] => fsDo('read', dir, () => readdirSync(dir, { withFileTypes: true }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => {
        const p = join(dir, e.name);
        if (e.isDirectory()) return e.name.startsWith('.') ? [] : walk(p);
        return MANIFEST.test(e.name) ? [p] : [];
      });
    return walk(path);
  });
}

function readText(file: string, stdin: () => string): string {
  if (file === STDIN) return stdin();
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') throw new InputError(`${file}: no such file or directory`);
    throw new EnvironmentError('read', file, code);
  }
}

/** A document of a stream: its text, and the 0-based line of the stream it starts at. */
interface Piece {
  start: number;
  lines: string[];
}

const MARKER = /^---(?=\s|$)/;
const END = /^\.\.\.(?=\s|$)/;

/**
 * The stream cut at its document markers: `---` starts a document (with any
 * `%` directives just before it), `...` ends one. Markers are only markers at
 * column 0, where no scalar of a document can continue.
 */
function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  let current: Piece = { start: 0, lines: [] };
  let directives = false;
  const next = (i: number): void => {
    out.push(current);
    current = { start: i, lines: [] };
  };
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    if (line.startsWith('%')) {
      if (!directives) next(i);
      directives = true;
    } else if (MARKER.test(line)) {
      if (!directives) next(i);
      directives = false;
    }
    current.lines.push(line);
    if (END.test(line)) next(i + 1);
  });
  out.push(current);
  return out.filter((p) => p.lines.some((l) => l.trim() !== ''));
}

/** the 1-based line of a piece's first content: not blank, a comment, a directive or a bare marker */
function contentLine(p: Piece): number {
  const i = p.lines.findIndex((l) => !/^\s*(#.*)?$/.test(l) && !l.startsWith('%') && !/^---\s*(#.*)?$/.test(l));
  return p.start + Math.max(i, 0) + 1;
}

/** The objects of one file's text; an unparsable document is bad input naming its line. */
export function parseObjects(file: string, text: string): Located[] {
  const out: Located[] = [];
  for (const p of pieces(text)) {
    const source = p.lines.join('\n');
    let docs: unknown[];
    try {
      docs = loadAll(source, undefined, { schema: KUBECTL_SCHEMA, filename: displayName(file) });
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      throw new InputError(`${displayName(file)}:${p.start + (e.mark?.line ?? 0) + 1}: ${e.reason}`);
    }
    const line = contentLine(p);
    for (const value of docs) {
      if (!isObject(value)) continue;
      if (isList(value)) out.push(...listItems(file, source, p.start, value));
      else out.push({ file, line, object: value });
    }
  }
  return out;
}

const isList = (v: Obj): v is Obj & { items: unknown[] } => typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);

/** a List's items (Lists in them too), each at its own line: read again with positions, as Lists are rare */
function listItems(file: string, source: string, start: number, list: Obj & { items: unknown[] }): Located[] {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  const out: Located[] = [];
  const walk = (value: Obj & { items: unknown[] }, node: unknown): void => {
    const items = isMap(node) ? node.get('items', true) : undefined;
    value.items.forEach((item, i) => {
      if (!isObject(item)) return;
      const itemNode = isSeq(items) ? items.items[i] as Node | undefined : undefined;
      if (isList(item)) walk(item, itemNode);
      else out.push({ file, line: start + (itemNode?.range ? lines.linePos(itemNode.range[0]).line : 1), object: item });
    });
  };
  walk(list, doc.contents);
  return out;
}

/** Every object of every source, in the order given, and how many files were read. */
export function readObjects(paths: readonly string[], stdin: () => string): { files: number; objects: Located[] } {
  if (paths.length === 0) throw new InputError('check: give the files or directories to check, or - for standard input');
  const files = manifestFiles(paths);
  if (files.filter((f) => f === STDIN).length > 1) throw new InputError('standard input (-) can be read once');
  return { files: files.length, objects: files.flatMap((file) => parseObjects(file, readText(file, stdin))) };
}
