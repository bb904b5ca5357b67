import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blsSecretToPublic, blsSign } from '@pausenet/crypto';
import {
  type Genesis,
  genesisToYaml,
  type Level,
  makePolicy,
  networkIdOf,
  type Step,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, TempDirs } from './helpers.js';

/** `pausenet verify` on a whole chain with levels (docs/protocol.md "Verifying a chain"), real CLI process. */
const tmp = new TempDirs();
afterAll(() => tmp.cleanup());

function scalar(n: number): Uint8Array {
  const b = new Uint8Array(32);
  b[31] = n;
  b[0] = 0x11;
  return b;
}

const members = [1, 2, 3, 4].map((i) => ({
  id: `lab-${'abcd'[i - 1]}`,
  name: `Lab ${i}`,
  index: i,
  publicKey: new Uint8Array(32).fill(i),
  peerIds: [],
  addrs: [],
}));
const genesis: Genesis = {
  version: 2,
  name: 'verify-chain-test',
  threshold: 3,
  members,
  policy: makePolicy({
    genesisTime: 0,
    epochMs: 3_600_000,
    deadlineMs: 60_000,
    graceMs: 60_000,
    caps: {
      trainingFlop: 10n ** 26n,
      largestRunFlop: 10n ** 25n,
      maxParams: 10n ** 12n,
      datasetTokens: 10n ** 14n,
    },
  }),
  dkg: {
    groupPublicKey: blsSecretToPublic(scalar(7)),
    publicShares: [1, 2, 3, 4].map((i) => blsSecretToPublic(scalar(20 + i))),
    transcriptHash: new Uint8Array(32).fill(9),
  },
};

/** A certificate JSON with a real group signature (the test holds the group secret). */
function cert(height: number, target: Level, step: Step, resolves: string[] = []) {
  const statement = statementBytes({
    networkId: networkIdOf(genesis),
    height,
    target,
    step,
    resolves: resolves.map((r) => Uint8Array.from(Buffer.from(r, 'hex'))),
  });
  return {
    height,
    target,
    step,
    statement: toHex(statement),
    signature: toHex(blsSign(scalar(7), statement)),
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves,
  };
}

describe('pausenet verify on a chain with levels', { timeout: 120_000 }, () => {
  let dir: string;
  let genesisFile: string;
  beforeAll(async () => {
    dir = await tmp.make();
    genesisFile = join(dir, 'genesis.yaml');
    await writeFile(genesisFile, genesisToYaml(genesis));
  });
  const verify = async (chain: unknown[], name: string) => {
    const f = join(dir, name);
    await writeFile(f, JSON.stringify(chain));
    return run(['verify', f, '--genesis', genesisFile]);
  };
  const B = 'ab'.repeat(32);

  it('accepts an escalation within a height and steps down, given in any order', async () => {
    const chain = [
      cert(3, 'RUNNING', 'down', [B]),
      cert(1, 'PAUSED', 'up'),
      cert(2, 'REDUCED', 'down'),
      cert(1, 'REDUCED', 'up'),
    ];
    const r = await verify(chain, 'levels.json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('valid: chain of 4 certificate(s) valid; ends RUNNING at height 3\n');
  });

  it('refuses what no honest network produces, naming the rule (exit 1)', async () => {
    const [gap, twice, notBelow, start] = await Promise.all([
      verify([cert(1, 'PAUSED', 'up'), cert(3, 'RUNNING', 'down')], 'gap.json'),
      verify([cert(1, 'PAUSED', 'up'), cert(1, 'PAUSED', 'up')], 'twice.json'),
      verify([cert(1, 'REDUCED', 'up'), cert(2, 'REDUCED', 'down')], 'not-below.json'),
      verify([cert(2, 'PAUSED', 'up')], 'start.json'),
    ]);
    for (const r of [gap, twice, notBelow, start]) expect(r.code, r.stdout).toBe(1);
    expect(gap.stdout).toMatch(/INVALID: height 2 is missing \[CHAIN_GAP\]/);
    expect(twice.stdout).toMatch(/\[CHAIN_LEVEL_ORDER\]/);
    expect(notBelow.stdout).toMatch(
      /the step down to REDUCED at height 2 is not below .* \[CHAIN_DOWN_NOT_BELOW\]/,
    );
    expect(start.stdout).toMatch(/\[CHAIN_START\]/);
  });
});
