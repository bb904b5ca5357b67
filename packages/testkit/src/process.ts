import { fileURLToPath } from 'node:url';
import { ManagedChild } from '@pausenet/cli';

/** The kit's node launcher (bin/node-main.mjs): one PausenetNode per process. */
export const NODE_LAUNCHER = fileURLToPath(new URL('../bin/node-main.mjs', import.meta.url));

/** What a started node process printed about itself. */
export interface StartedNode {
  peerId: string;
  apiUrl: string;
  multiaddrs: string[];
}

/** Parse the launcher's `pausenet <role> started: peer <id>, api <url>, listening <addrs>` line. */
export function parseStartedLine(line: string): StartedNode {
  const m = / started: peer (\S+), api (\S+), listening ?(.*)$/.exec(line);
  if (!m) throw new Error(`not a node start line: ${line}`);
  return {
    peerId: m[1] as string,
    apiUrl: m[2] as string,
    multiaddrs: (m[3] ?? '').split(' ').filter(Boolean),
  };
}

export interface SpawnNodeOptions {
  /** Name in errors and log prefixes (default "node"). */
  name?: string;
  /** The harness's blocklist file (connection gater); none: no gater. */
  controlFile?: string;
  /** Added to the node's clock (PAUSENET_CLOCK_SKEW_MS). */
  skewMs?: number;
  /** Environment on top of this process's (e.g. the keystore passphrase). */
  env?: Record<string, string>;
  /** Append the process's output here. */
  logFile?: string;
  /** How long the node may take to start (default 120 s). */
  timeoutMs?: number;
  /** Called with the child as soon as it is spawned (before it is ready). */
  onSpawn?: (child: ManagedChild) => void;
}

/**
 * Start a node from a config file as its own process with the kit's launcher, and wait until it is
 * ready. The caller stops it (`child.stop()`, SIGTERM; `child.proc.kill('SIGKILL')` for a crash).
 */
export async function spawnNode(
  configFile: string,
  opts: SpawnNodeOptions = {},
): Promise<{ child: ManagedChild } & StartedNode> {
  const child = new ManagedChild({
    name: opts.name ?? 'node',
    command: process.execPath,
    args: [NODE_LAUNCHER, configFile, ...(opts.controlFile ? [opts.controlFile] : [])],
    env: {
      ...process.env,
      ...opts.env,
      ...(opts.skewMs ? { PAUSENET_CLOCK_SKEW_MS: String(opts.skewMs) } : {}),
    },
    ...(opts.logFile ? { logFile: opts.logFile } : {}),
  });
  opts.onSpawn?.(child);
  try {
    const line = await child.waitForLine((s) => s.includes(' started: '), opts.timeoutMs ?? 120_000);
    return { child, ...parseStartedLine(line) };
  } catch (err) {
    await child.stop(2_000);
    throw err;
  }
}
