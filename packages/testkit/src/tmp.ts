import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The temp dirs a test file makes, removed together (`afterEach(() => tmp.cleanup())`). */
export class TempDirs {
  private readonly dirs: string[] = [];

  /** A fresh dir `<os tmp>/<prefix>XXXXXX`. */
  make(prefix = 'pausenet-test-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Remove every dir made so far. */
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
