// Writes a bundle without ever losing a file the user owns: a file is replaced
// or removed only if the directory's previous record lists it (or, for a file
// from before records, it carries our header); each file is replaced by an
// atomic rename; directories and files get the default modes under the umask.
import {
  closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmdirSync,
  statSync, unlinkSync, writeFileSync, readdirSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { OURS } from '../bundle.js';
import { InputError } from '../options.js';
import { fsDo } from './errors.js';
import { RECORD_FILE } from './record.js';

/** A record entry we may act on: a relative path inside the bundle, nothing else. */
const SAFE_ENTRY = /^(?!\.\.?\/)[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)?$/;

export function startsOurs(path: string): boolean {
  const fd = fsDo('read', path, () => openSync(path, 'r'));
  try {
    const buf = Buffer.alloc(OURS.length);
    const n = fsDo('read', path, () => readSync(fd, buf, 0, buf.length, 0));
    return buf.subarray(0, n).toString('utf8') === OURS;
  } finally {
    closeSync(fd);
  }
}

/** The files the previous run recorded in this directory, if it left a record. */
export function recordedFiles(dir: string): string[] {
  const path = join(dir, RECORD_FILE);
  if (!existsSync(path) || !statSync(path).isFile() || !startsOurs(path)) return [];
  let files: unknown;
  try {
    files = (parse(fsDo('read', path, () => readFileSync(path, 'utf8'))) as { files?: unknown } | null)?.files;
  } catch {
    return [];
  }
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && SAFE_ENTRY.test(f)) : [];
}

function atomicWrite(path: string, text: string): void {
  if (existsSync(path) && statSync(path).isFile() && readFileSync(path, 'utf8') === text) return;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    fsDo('write', path, () => writeFileSync(tmp, text));
    fsDo('write', path, () => renameSync(tmp, path));
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}

/** The real path of an --out that may be a symlink: we write through it, never replace it. */
function throughLinks(path: string): string {
  return existsSync(path) && lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
}

export function writeBundleDir(out: string, files: ReadonlyMap<string, string>): void {
  const dir = throughLinks(out);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`--out ${out}: exists and is not a directory`);
  const previous = new Set(existsSync(dir) ? recordedFiles(dir) : []);
  for (const rel of files.keys()) {
    const path = join(dir, rel);
    if (!existsSync(path) || previous.has(rel)) continue;
    if (!statSync(path).isFile() || !startsOurs(path)) {
      throw new InputError(`--out ${out}: ${rel} exists and was not written by pss-compile; refusing to replace it`);
    }
  }
  for (const [rel, text] of files) {
    if (rel === RECORD_FILE) continue;
    const path = join(dir, rel);
    fsDo('create', dirname(path), () => mkdirSync(dirname(path), { recursive: true }));
    atomicWrite(path, text);
  }
  for (const rel of previous) {
    if (files.has(rel)) continue;
    const path = join(dir, rel);
    // a record can be edited by hand: remove only what still carries our header
    if (existsSync(path) && lstatSync(path).isFile() && startsOurs(path)) fsDo('remove', path, () => unlinkSync(path));
    const parent = dirname(path);
    if (parent !== dir && existsSync(parent) && readdirSync(parent).length === 0) fsDo('remove', parent, () => rmdirSync(parent));
  }
  const record = files.get(RECORD_FILE);
  if (record !== undefined) atomicWrite(join(dir, RECORD_FILE), record);
}

/** `-o bundle.yaml`: the stream as one file, replacing only a file pss-compile wrote. */
export function writeStreamFile(out: string, text: string): void {
  const path = throughLinks(out);
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw new InputError(`--out ${out}: exists and is not a regular file`);
    if (!startsOurs(path)) throw new InputError(`--out ${out}: exists and was not written by pss-compile; refusing to replace it`);
  }
  fsDo('create', dirname(path), () => mkdirSync(dirname(path), { recursive: true }));
  atomicWrite(path, text);
}

/** A path ending in .yaml or .yml is one stream file; anything else is a bundle directory. */
export const isStreamFile = (out: string): boolean => /\.ya?ml$/i.test(out);
