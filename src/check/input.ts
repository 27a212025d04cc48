// The objects `pss-compile check` reads: files, directories (recursively, in
// name order) and standard input; multi-document YAML and JSON; the items of
// List objects. Each object keeps the file and line it starts at.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, type Node } from 'yaml';
import { InputError } from '../options.js';
import { EnvironmentError, fsDo } from '../output/errors.js';

export type Obj = Record<string, unknown>;

export interface Located {
  /** the path as given (or below a given directory); `-` is standard input */
  file: string;
  line: number;
  object: Obj;
}

export const STDIN = '-';
/** how a file is named in reports: standard input as <stdin> */
export const displayName = (file: string): string => (file === STDIN ? '<stdin>' : file);
const MANIFEST = /\.(ya?ml|json)$/i;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** The objects of one file's text; an unparsable document is bad input naming its line. */
export function parseObjects(file: string, text: string): Located[] {
  const lines = new LineCounter();
  const out: Located[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lines.linePos(error.pos[0]).line;
      throw new InputError(`${displayName(file)}:${line}: ${error.message.split('\n')[0]!.replace(/:$/, '')}`);
    }
    if (!doc.contents) continue;
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      throw new InputError(`${displayName(file)}:${lines.linePos(doc.contents.range[0]).line}: ${(e as Error).message}`);
    }
    collect(value, doc.contents, (node) => lines.linePos(node.range![0]).line, file, out);
  }
  return out;
}

/** an object, or each item of a List (at the item's own line) */
function collect(value: unknown, node: Node, lineOf: (n: Node) => number, file: string, out: Located[]): void {
  if (!isObject(value)) return;
  const items = value.items;
  const itemsNode = isMap(node) ? node.get('items', true) : undefined;
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(items) && isSeq(itemsNode)) {
    items.forEach((item, i) => collect(item, itemsNode.items[i] as Node, lineOf, file, out));
    return;
  }
  out.push({ file, line: lineOf(node), object: value });
}

/** Every object of every source, in the order given, and how many files were read. */
export function readObjects(paths: readonly string[], stdin: () => string): { files: number; objects: Located[] } {
  if (paths.length === 0) throw new InputError('check: give the files or directories to check, or - for standard input');
  const files = manifestFiles(paths);
  if (files.filter((f) => f === STDIN).length > 1) throw new InputError('standard input (-) can be read once');
  return { files: files.length, objects: files.flatMap((file) => parseObjects(file, readText(file, stdin))) };
}
