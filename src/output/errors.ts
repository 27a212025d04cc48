// Errors of the machine rather than of the input (permissions, a full disk):
// one line on stderr and exit code 1.

const DESCRIBED: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EPIPE: 'broken pipe',
  EIO: 'input/output error',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
};

export class EnvironmentError extends Error {
  constructor(readonly action: string, readonly path: string, readonly code: string) {
    super(`cannot ${action} ${path}: ${DESCRIBED[code] ?? code} (${code})`);
  }
}

/** Runs an fs operation, turning its system error into an EnvironmentError naming the path. */
export function fsDo<T>(action: string, path: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new EnvironmentError(action, path, code);
    throw e;
  }
}
