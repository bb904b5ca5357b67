import { type Genesis, makePolicy, networkIdOf, type Policy, type PolicyInput } from '@pausenet/protocol';
import { type DealtKeys, dkgResultOf, testDealer } from './dealer.js';
import { makeLabs, type TestLab } from './labs.js';

/** A test network's genesis with the keys behind it. */
export interface TestNet {
  genesis: Genesis;
  networkId: Uint8Array;
  labs: TestLab[];
  threshold: number;
  /** The test dealer's keys (null when the genesis has no DKG result). */
  dealt: DealtKeys | null;
}

/** Caps of a test policy: far above the metrics of `metrics()`, and 10x below OVER_CAP. */
export const TEST_CAPS = {
  trainingFlop: 10n ** 26n,
  largestRunFlop: 10n ** 26n,
  maxParams: 10n ** 13n,
  datasetTokens: 10n ** 14n,
} as const;

/** The usual t for n labs: floor(2n/3) + 1. */
export function defaultThreshold(n: number): number {
  return Math.floor((2 * n) / 3) + 1;
}

/**
 * Policy of a test network: 1 s epochs from 10 h before `now`, a day's deadline, an hour's grace, TEST_CAPS,
 * protocol defaults for the rest; `over` replaces any field. Tests commit many epochs quickly under it.
 */
export function testPolicy(now: number, over: Partial<PolicyInput> = {}): Policy {
  return makePolicy({
    genesisTime: now - 10 * 3_600_000,
    epochMs: 1_000,
    deadlineMs: 86_400_000,
    graceMs: 3_600_000,
    caps: { ...TEST_CAPS },
    ...over,
  });
}

export interface TestGenesisOptions {
  /** Number of labs (fresh keys), or the labs themselves. */
  labs: number | TestLab[];
  /** Default defaultThreshold(n). */
  threshold?: number;
  name?: string;
  /** Instant the default policy is placed around (default Date.now()). */
  now?: number;
  /** Fields replacing testPolicy's. */
  policy?: Partial<PolicyInput>;
  /** Peer ids / multiaddrs per lab (index-aligned); default none. */
  peerIds?: readonly (readonly string[])[];
  addrs?: readonly (readonly string[])[];
  /**
   * The DKG result: dealt by the TRUSTED test dealer (random, or fixed by `seed`; `transcriptHash` default
   * 32 zero bytes), given as keys already dealt, or none (`false`: a genesis before its DKG).
   */
  dkg?: false | DealtKeys | { seed?: string; transcriptHash?: Uint8Array };
}

/** A genesis for tests: labs, threshold, test policy and (by default) test-dealer BLS keys. */
export function testGenesis(opts: TestGenesisOptions): TestNet {
  const labs = typeof opts.labs === 'number' ? makeLabs(opts.labs) : opts.labs;
  const threshold = opts.threshold ?? defaultThreshold(labs.length);
  const dkgOpt = opts.dkg ?? {};
  const dealt =
    dkgOpt === false
      ? null
      : 'shares' in dkgOpt
        ? dkgOpt
        : testDealer(labs.length, threshold, dkgOpt.seed === undefined ? {} : { seed: dkgOpt.seed });
  const transcriptHash = dkgOpt !== false && !('shares' in dkgOpt) ? dkgOpt.transcriptHash : undefined;
  const genesis: Genesis = {
    version: 2,
    name: opts.name ?? 'pausenet-test',
    members: labs.map((l, i) => ({
      id: l.id,
      name: l.name,
      index: l.index,
      publicKey: l.publicKey,
      peerIds: [...(opts.peerIds?.[i] ?? [])],
      addrs: [...(opts.addrs?.[i] ?? [])],
    })),
    threshold,
    policy: testPolicy(opts.now ?? Date.now(), opts.policy),
    ...(dealt ? { dkg: dkgResultOf(dealt, transcriptHash) } : {}),
  };
  return { genesis, networkId: networkIdOf(genesis), labs, threshold, dealt };
}

/** BLS share of a lab of `net` (throws when the network has no dealt keys). */
export function shareOf(net: TestNet, lab: TestLab | string): Uint8Array {
  const l = labOf(net, lab);
  const share = net.dealt?.shares[l.index - 1];
  if (!share) throw new Error(`no BLS share for ${l.id}: this test network has no dealt keys`);
  return share;
}

/** The lab with id `lab` (or `lab` itself). */
export function labOf(net: TestNet, lab: TestLab | string): TestLab {
  if (typeof lab !== 'string') return lab;
  const l = net.labs.find((x) => x.id === lab);
  if (!l) throw new Error(`no lab ${lab} in this test network`);
  return l;
}
