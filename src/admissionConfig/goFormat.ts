// The PSA configuration reader: Go formatting.
import { GO_QUOTE_ESCAPES } from '../model/goQuote.js';

/** strconv.Quote / %q */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else out += GO_QUOTE_ESCAPES.get(ch) ?? ch;
  }
  return `${out}"`;
}

/** Go's syscall.Errno texts for the errors reading a file gives */
export const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EPERM: 'operation not permitted',
};

export interface NodeSystemError {
  code?: string;
  errno?: number;
  syscall?: string;
}

/** *fs.PathError as %v: "open <path>: <errno text>" */
export function goPathError(err: unknown, path: string): string {
  const e = err as NodeSystemError;
  const text = (e.code && ERRNO_TEXT[e.code]) ?? (err instanceof Error ? err.message : String(err));
  return `${e.syscall ?? 'open'} ${path}: ${text}`;
}

/** *fs.PathError as %#v: &fs.PathError{Op:"open", Path:"<path>", Err:0x2} */
export function goPathErrorGoSyntax(err: unknown, path: string): string {
  const e = err as NodeSystemError;
  const errno = typeof e.errno === 'number' ? Math.abs(e.errno) : 0;
  return `&fs.PathError{Op:${goQuote(e.syscall ?? 'open')}, Path:${goQuote(path)}, Err:0x${errno.toString(16)}}`;
}
