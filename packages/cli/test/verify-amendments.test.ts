import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blsSign, recoverSignature } from '@pausenet/crypto';
import {
  certifiedAmendmentToJson,
  decodeCertifiedAmendment,
  decodeGenesis,
  genesisToYaml,
  networkIdOf,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, TempDirs } from './helpers.js';

/**
 * `pausenet verify --amendments` (docs/protocol.md "Verifying a chain of amendments"), real CLI process, on
 * the protocol's amendment vectors: revision 1 (4 labs), revision 2 adds lab-e, revision 3 removes lab-b.
 */
const VECTORS = fileURLToPath(new URL('../../../docs/vectors/amendments-v2.json', import.meta.url));
const tmp = new TempDirs();
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
afterAll(() => tmp.cleanup());

interface Vectors {
  original: { canonical: string };
  amendments: { certified: { json: unknown } }[];
  tampered: { name: string; amendments: string[]; code: string; position: number }[];
  keys: { revision3Shares: { lab: string; index: number; secret: string }[] };
}

describe('pausenet verify with a chain of amendments', { timeout: 120_000 }, () => {
  let v: Vectors;
  let dir: string;
  let genesisFile: string;
  const file = async (name: string, json: unknown) => {
    const f = join(dir, name);
    await writeFile(f, JSON.stringify(json));
    return f;
  };
  beforeAll(async () => {
    v = JSON.parse(await readFile(VECTORS, 'utf8')) as Vectors;
    dir = await tmp.make();
    genesisFile = join(dir, 'genesis.yaml');
    await writeFile(genesisFile, genesisToYaml(decodeGenesis(fromHex(v.original.canonical))));
  });

  it('accepts the certified chain from the original genesis and names the revision in effect', async () => {
    const f = await file(
      'amendments.json',
      v.amendments.map((a) => a.certified.json),
    );
    const r = await run(['verify', '--genesis', genesisFile, '--amendments', f]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^valid: chain of 2 amendment\(s\) valid from the original genesis, same group key; revision 3 from epoch \d+: members lab-a, lab-c, lab-d, lab-e, threshold \d+\n$/,
    );
    const j = await run(['verify', '--genesis', genesisFile, '--amendments', f, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({
      valid: true,
      revision: 3,
      members: ['lab-a', 'lab-c', 'lab-d', 'lab-e'],
    });
  });

  it('refuses each tampered chain of the vectors with its rule and position (exit 1)', async () => {
    for (const t of v.tampered) {
      const f = await file(
        `tampered-${t.code}-${t.position}.json`,
        t.amendments.map((h) => certifiedAmendmentToJson(decodeCertifiedAmendment(fromHex(h)))),
      );
      const r = await run(['verify', '--genesis', genesisFile, '--amendments', f]);
      expect(r.code, `${t.name}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout, t.name).toContain(`amendment #${t.position + 1} of the file`);
      expect(r.stdout, t.name).toContain(`[${t.code}]`);
    }
  });

  it('checks a certificate signed by a member that joined in revision 3 against that revision', async () => {
    const g = decodeGenesis(fromHex(v.original.canonical));
    const statement = statementBytes({
      networkId: networkIdOf(g),
      height: 1,
      target: 'PAUSED',
      step: 'up',
      resolves: [],
    });
    // lab-c, lab-d and lab-e sign with their revision-3 shares; recovered under the unchanged group key.
    const signers = v.keys.revision3Shares.filter((s) => s.lab !== 'lab-a');
    const signature = recoverSignature(
      signers.map((s) => ({ index: s.index, signature: blsSign(fromHex(s.secret), statement) })),
      signers.length,
    );
    const cert = await file('cert.json', {
      height: 1,
      target: 'PAUSED',
      step: 'up',
      signers: signers.map((s) => s.lab),
      resolves: [],
      revision: 3,
      signature: toHex(signature),
    });
    const amendments = await file(
      'chain.json',
      v.amendments.map((a) => a.certified.json),
    );
    const ok = await run(['verify', cert, '--genesis', genesisFile, '--amendments', amendments]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('signed by lab-c, lab-d, lab-e');
    expect(ok.stdout).toContain('revision 3');
    // Without the amendments the revision it names is unknown here.
    const alone = await run(['verify', cert, '--genesis', genesisFile]);
    expect(alone.code, alone.stdout + alone.stderr).toBe(1);
    // A chain that stops at revision 2 does not know revision 3 either.
    const short = await file('short.json', [v.amendments[0]!.certified.json]);
    const partial = await run(['verify', cert, '--genesis', genesisFile, '--amendments', short]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('K_REVISION_UNKNOWN');
  });

  it('needs something to verify (usage error, exit 2)', async () => {
    const r = await run(['verify', '--genesis', genesisFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to verify');
  });
});
