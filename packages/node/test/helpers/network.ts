import { type Genesis, networkIdOf, toHex } from '@pausenet/protocol';
import type { TestLab } from '@pausenet/testkit';
import { FAST_SYNC, type NodeDir, writeTestNetwork } from '@pausenet/testkit/files';
import { type NodeConfig, parseNodeConfig } from '../../src/config.js';

export type { TestLab } from '@pausenet/testkit';
export { makeLabs, TEST_PASSPHRASE, TEST_PASSPHRASE_ENV, testDealer } from '@pausenet/testkit';
export { commitmentBody as metricsBody } from '@pausenet/testkit/network';

export interface TestNetwork {
  dir: string;
  genesis: Genesis;
  genesisFile: string;
  labs: TestLab[];
  /** BLS shares by lab index - 1 (from the test kit's trusted dealer). */
  shares: Uint8Array[];
  /** Data dir and peer id per member (index-aligned with labs) and per observer. */
  members: NodeDir[];
  observers: NodeDir[];
  env: NodeJS.ProcessEnv;
  /** Config for member i / observer j, bootstrapping to `bootstrap`. */
  memberConfig(i: number, bootstrap?: string[], extra?: Record<string, unknown>): NodeConfig;
  observerConfig(j: number, bootstrap?: string[], extra?: Record<string, unknown>): NodeConfig;
  cleanup(): void;
}

/**
 * The test kit's network on disk (genesis, keystores 0600, data dirs with node keys) for `labs` members and
 * `observers` observers, with configs parsed by this package's source (a 1 s sync interval by default).
 */
export async function makeTestNetwork(opts: {
  labs: number;
  observers?: number;
  now?: number;
  epochMs?: number;
  /** policy.receiptDeadlineMs (default: the protocol's). */
  receiptDeadlineMs?: number;
}): Promise<TestNetwork> {
  const files = await writeTestNetwork({
    labs: opts.labs,
    observers: opts.observers ?? 0,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    policy: {
      ...(opts.epochMs !== undefined ? { epochMs: opts.epochMs } : {}),
      ...(opts.receiptDeadlineMs !== undefined ? { receiptDeadlineMs: opts.receiptDeadlineMs } : {}),
    },
  });
  return {
    dir: files.dir,
    genesis: files.genesis,
    genesisFile: files.genesisFile,
    labs: files.labs,
    shares: files.dealt?.shares ?? [],
    members: files.members,
    observers: files.observers,
    env: { ...process.env, ...files.env },
    memberConfig: (i, bootstrap = [], extra = {}) =>
      parseNodeConfig(files.memberConfig(i, { bootstrap, sync: FAST_SYNC, ...extra })),
    observerConfig: (j, bootstrap = [], extra = {}) =>
      parseNodeConfig(files.observerConfig(j, { bootstrap, sync: FAST_SYNC, ...extra })),
    cleanup: files.cleanup,
  };
}

/** Network id hex of a genesis. */
export function networkIdHex(g: Genesis): string {
  return toHex(networkIdOf(g));
}

/** Poll `cond` every 50 ms until true or `timeoutMs` (then throw naming `what`). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}
