import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fromHex,
  genesisToYaml,
  type Level,
  type Step,
  statementBytes,
  statementOf,
  toHex,
} from '@pausenet/protocol';
import { certificate, testGenesis } from '@pausenet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, TempDirs } from './helpers.js';

/** `pausenet verify` on a whole chain with levels (docs/protocol.md "Verifying a chain"), real CLI process. */
const tmp = new TempDirs();
afterAll(() => tmp.cleanup());

// TRUSTED test dealer: the test signs certificates with the dealt shares.
const net = testGenesis({ labs: 4, threshold: 3, name: 'verify-chain-test' });

/** A certificate JSON with a real group signature recovered from lab-a, lab-b and lab-c's partials. */
function cert(height: number, target: Level, step: Step, resolves: string[] = []) {
  const c = certificate(net, {
    height,
    target,
    step,
    resolves: resolves.map((r) => fromHex(r)),
    signers: ['lab-a', 'lab-b', 'lab-c'],
  });
  return {
    height,
    target,
    step,
    statement: toHex(statementBytes(statementOf(c))),
    signature: toHex(c.signature),
    signers: c.signers,
    resolves,
  };
}

describe('pausenet verify on a chain with levels', { timeout: 120_000 }, () => {
  let dir: string;
  let genesisFile: string;
  beforeAll(async () => {
    dir = await tmp.make();
    genesisFile = join(dir, 'genesis.yaml');
    await writeFile(genesisFile, genesisToYaml(net.genesis));
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
