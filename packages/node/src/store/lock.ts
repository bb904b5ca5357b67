import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { StoreError } from '../errors.js';

/** Paths locked by this process (a second Store on the same dir in one process is also refused). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive data-dir lock: a file holding the owner's pid; stale locks of dead pids are taken over. */
export class DirLock {
  private constructor(readonly file: string) {}

  /** Take the lock or throw StoreError LOCKED naming the holder. */
  static acquire(file: string): DirLock {
    if (heldHere.has(file)) {
      throw new StoreError(
        'LOCKED',
        `data dir lock ${file} is already held by this process (pid ${process.pid}): another node instance uses this data dir; stop it first or use a different dataDir`,
        file,
      );
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        heldHere.add(file);
        return new DirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      } catch {
        // vanished between open and read: retry
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new StoreError(
          'LOCKED',
          `data dir is in use by another pausenet process (pid ${pid}, lock file ${file}); stop that process first, or use a different dataDir`,
          file,
        );
      }
      // Stale lock (holder died, e.g. kill -9): take it over.
      rmSync(file, { force: true });
    }
    throw new StoreError(
      'LOCKED',
      `could not take data dir lock ${file}; remove it if no pausenet process runs`,
      file,
    );
  }

  /** Release the lock (idempotent). */
  release(): void {
    if (!heldHere.delete(this.file)) return;
    rmSync(this.file, { force: true });
  }
}
