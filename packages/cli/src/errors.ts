import { describeNativeLoadError } from './native-error.js';

/** Exit codes of the `pausenet` command (documented in docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** verify: the certificate is invalid; devnet: the scenario did not reach its expected end. */
  FAILED: 1,
  /** Bad command-line usage (unknown option, missing argument, bad value). */
  USAGE: 2,
  /** Config or genesis file missing or invalid. */
  CONFIG: 3,
  /** Keystore: wrong passphrase, tampered or unreadable file, no passphrase available. */
  KEYSTORE: 4,
  /** Data dir locked by another process, corrupt, or not writable. */
  DATA_DIR: 5,
  /** A listen or API port is already in use. */
  PORT_IN_USE: 6,
  /** The local node API is unreachable or answered with an error. */
  API: 7,
  /** The DKG ceremony failed (missing or cheating members, transcript disagreement, timeout). */
  DKG: 8,
  /**
   * The installation does not fit this Node.js: a native module built for another Node.js version or
   * not built, or a Node.js older than the supported floor. Restarting does not help; rebuilding does.
   */
  INSTALL: 9,
  /**
   * Refused a consequential action that was not confirmed: an over-cap commitment without `--yes`
   * (or a "no" at the prompt), a DKG rerun that would replace an existing share without `--force`.
   */
  REFUSED: 10,
  /** Interrupted by SIGINT/SIGTERM before finishing. */
  INTERRUPTED: 130,
  /** A bug: an unexpected error (printed with its stack only under PAUSENET_DEBUG=1). */
  INTERNAL: 70,
} as const;

export type CliErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'KEYSTORE'
  | 'DATA_DIR'
  | 'PORT_IN_USE'
  | 'API'
  | 'DKG'
  | 'INSTALL'
  | 'REFUSED'
  | 'FAILED'
  | 'INTERRUPTED'
  | 'INTERNAL';

/** A user-facing error: one line naming the problem and the fix; never printed with a stack trace. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;
  /** Already printed by the command (`start` prints a JSON line): the CLI only exits with the code. */
  reported = false;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = EXIT[code];
  }
}

function errCode(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Map an error thrown by another package (node, crypto, protocol) to a CliError with a fix hint. */
export function toCliError(err: unknown, context?: { configFile?: string; dataDir?: string }): CliError {
  if (err instanceof CliError) return err;
  const native = describeNativeLoadError(err);
  if (native) return new CliError('INSTALL', native, { cause: err });
  const code = errCode(err);
  const name = (err as { name?: string } | null)?.name ?? '';
  const msg = errMessage(err).split('\n')[0] ?? '';
  const dir = context?.dataDir ? ` (${context.dataDir})` : '';
  // wrapped keystore failures (e.g. a node ConfigError around a KeystoreError) still name the cause
  if (code !== 'WRONG_PASSPHRASE' && /WRONG_PASSPHRASE/.test(msg))
    return new CliError(
      'KEYSTORE',
      'wrong passphrase for the keystore; check --passphrase-file, keystore.passphraseFile/passphraseEnv or $PAUSENET_PASSPHRASE',
    );
  if (code !== 'TAMPERED' && /\bTAMPERED\b/.test(msg))
    return new CliError('KEYSTORE', `keystore file is corrupt or tampered: ${msg}; restore it from backup`);
  // Listening on 0.0.0.0 or :: lists the interfaces over a netlink socket; a sandbox without
  // AF_NETLINK (systemd RestrictAddressFamilies=) refuses it with EAFNOSUPPORT (97).
  if (/uv_interface_addresses/.test(msg))
    return new CliError(
      'CONFIG',
      `cannot list the host's network interfaces (${msg}): a sandbox blocks netlink sockets; allow ` +
        'AF_NETLINK (systemd: RestrictAddressFamilies=... AF_NETLINK) or listen on a specific address instead of 0.0.0.0 or ::',
    );
  if (/EADDRINUSE|address already in use/i.test(msg) && code !== 'EADDRINUSE')
    return new CliError(
      'PORT_IN_USE',
      `port in use: ${msg}; stop the other process or change listen/api.port in the config`,
    );
  switch (code) {
    case 'EADDRINUSE':
      return new CliError(
        'PORT_IN_USE',
        `port in use: ${msg}; stop the other process or change listen/api.port in the config`,
      );
    case 'WRONG_PASSPHRASE':
      return new CliError(
        'KEYSTORE',
        'wrong passphrase for the keystore; check --passphrase-file, keystore.passphraseFile/passphraseEnv or $PAUSENET_PASSPHRASE',
      );
    case 'KEYSTORE_UNAVAILABLE':
      return new CliError('KEYSTORE', `keystore unavailable: ${msg}`);
    case 'TAMPERED':
      return new CliError('KEYSTORE', `keystore file is corrupt or tampered: ${msg}; restore it from backup`);
    case 'UNSUPPORTED_VERSION':
    case 'MALFORMED':
      if (name.startsWith('Keystore'))
        return new CliError('KEYSTORE', `keystore file unreadable: ${msg}; restore it from backup`);
      break;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'LOCKED':
    case 'DATA_DIR_LOCKED':
      return new CliError(
        'DATA_DIR',
        `data dir is locked by another process${dir}: ${msg}; stop the other pausenet node using it`,
      );
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
    case 'CORRUPT':
    case 'DATA_DIR_CORRUPT':
      return new CliError(
        'DATA_DIR',
        `data dir is corrupt${dir}: ${msg}; restore pausenet.db from backup or start with an empty data dir`,
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new CliError('DATA_DIR', `permission denied: ${msg}; check ownership of the data dir`);
    case 'ENOENT':
      return new CliError('CONFIG', `file not found: ${msg}`);
  }
  if (
    /Config|Genesis/.test(name) ||
    code === 'CONFIG' ||
    code === 'BAD_CONFIG' ||
    code === 'INVALID_CONFIG'
  ) {
    const where = context?.configFile ? ` in ${context.configFile}` : '';
    return new CliError('CONFIG', `invalid configuration${where}: ${msg}`);
  }
  if (code && /LOCK/.test(code)) return new CliError('DATA_DIR', `data dir problem${dir}: ${msg}`);
  if (code && /CORRUPT/.test(code)) return new CliError('DATA_DIR', `data dir is corrupt${dir}: ${msg}`);
  if (code && /PASSPHRASE|KEYSTORE/.test(code)) return new CliError('KEYSTORE', `keystore: ${msg}`);
  if (code && /PORT|ADDR_IN_USE/.test(code)) return new CliError('PORT_IN_USE', `port in use: ${msg}`);
  return new CliError('INTERNAL', `unexpected error: ${msg}`, { cause: err });
}
