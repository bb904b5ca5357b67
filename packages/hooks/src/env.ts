/**
 * The environment of every process a hook starts (docs/hooks.md "Environment"). A child never inherits
 * the node's whole environment: it may hold secrets (a keystore passphrase, cloud credentials, a webhook
 * secret) that a halt script has no business seeing, and `scontrol`/`exec` children are logged and
 * inspected by other tools. A child gets only these variables of the node's environment, the ones its
 * hook lists in `envPassthrough`, and the values the hook sets itself.
 */
export const BASE_ENV_ALLOW: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'TMPDIR',
];

export interface ChildEnvOptions {
  /** Further names copied from `from` when set (a hook's explicit `envPassthrough`). */
  passthrough?: readonly string[];
  /** Name prefixes copied from `from` (the Slurm client's own `SLURM_*` settings). */
  prefixes?: readonly string[];
  /** Values set for the child, applied last. */
  set?: Readonly<Record<string, string | undefined>>;
  /** The environment to copy from (default process.env). */
  from?: NodeJS.ProcessEnv;
}

/** A minimal, allow-listed environment for a child process of a hook. */
export function childEnv(opts: ChildEnvOptions = {}): NodeJS.ProcessEnv {
  const from = opts.from ?? process.env;
  const out: NodeJS.ProcessEnv = {};
  const names = new Set([...BASE_ENV_ALLOW, ...(opts.passthrough ?? [])]);
  for (const name of names) {
    const v = from[name];
    if (v !== undefined) out[name] = v;
  }
  const prefixes = opts.prefixes ?? [];
  if (prefixes.length > 0)
    for (const [name, v] of Object.entries(from))
      if (v !== undefined && prefixes.some((p) => name.startsWith(p))) out[name] = v;
  for (const [name, v] of Object.entries(opts.set ?? {})) if (v !== undefined) out[name] = v;
  return out;
}
