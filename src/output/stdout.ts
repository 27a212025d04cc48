// Standard output, written synchronously so errors arrive here rather than as
// an unhandled 'error' event: a closed pipe (`| head -1`) ends the run quietly.
import { writeSync } from 'node:fs';
import { EnvironmentError } from './errors.js';

export class ClosedPipe extends Error {}

export function writeStdout(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < buf.length) {
    try {
      done += writeSync(1, buf, done, buf.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EPIPE') throw new ClosedPipe();
      throw new EnvironmentError('write', 'standard output', code ?? 'EIO');
    }
  }
}
