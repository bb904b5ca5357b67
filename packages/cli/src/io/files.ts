import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic as writeDurably } from '@pausenet/hooks';
import { CliError } from '../errors.js';

/**
 * Write a file atomically and durably (temp file, fsync, rename, directory fsync: the hooks package's
 * writeFileAtomic) with the given mode (default 0600). Keystores written here may hold the only copy of a
 * DKG share: a power loss right after `pausenet dkg` must not leave an empty file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeDurably(path, data, mode);
}

/** Read a UTF-8 text file; a missing file becomes a CliError naming `what` and the path. */
export async function readTextFile(path: string, what: string, code: 'CONFIG' | 'USAGE' = 'CONFIG') {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const c = (err as { code?: string }).code;
    if (c === 'ENOENT') throw new CliError(code, `${what} not found: ${path}`);
    if (c === 'EACCES') throw new CliError(code, `${what} not readable (permission denied): ${path}`);
    if (c === 'EISDIR') throw new CliError(code, `${what} is a directory, expected a file: ${path}`);
    throw err;
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EISDIR';
  }
}
