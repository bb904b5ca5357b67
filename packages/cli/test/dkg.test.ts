import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptKeystore } from '@pausenet/crypto';
import { parseGenesisYaml } from '@pausenet/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/devnet/ports.js';
import { run, spawnCli, TempDirs } from './helpers.js';

const tmp = new TempDirs();
afterAll(() => tmp.cleanup());
const PASS = 'dkg test passphrase';

/** n members initialised with `pausenet init`, a genesis from their entries, one config each. */
async function ceremonySetup(n: number, threshold: number) {
  const dir = await tmp.make();
  const passFile = join(dir, 'pass');
  await writeFile(passFile, PASS, { mode: 0o600 });
  const ports = await freePorts(n);
  const labs = Array.from({ length: n }, (_, i) => ({
    id: `lab-${'abcdefgh'[i]}`,
    dir: join(dir, `lab-${'abcdefgh'[i]}`),
    port: ports[i]!,
  }));
  const entries: string[] = [];
  await Promise.all(
    labs.map(async (l, i) => {
      const r = await run([
        'init',
        '--data-dir',
        l.dir,
        '--lab',
        l.id,
        '--index',
        String(i + 1),
        '--addr',
        `/ip4/127.0.0.1/tcp/${l.port}`,
        '--passphrase-file',
        passFile,
      ]);
      expect(r.code, r.stderr).toBe(0);
      entries[i] = join(dir, `${l.id}.yaml`);
      await writeFile(entries[i]!, r.stdout);
    }),
  );
  const genesis = join(dir, 'genesis.yaml');
  const g = await run([
    'genesis',
    'create',
    '--name',
    'dkg-test',
    '--threshold',
    String(threshold),
    ...entries.flatMap((e) => ['--member', e]),
    '--out',
    genesis,
  ]);
  expect(g.code, g.stderr).toBe(0);
  const configs = await Promise.all(
    labs.map(async (l) => {
      const gfile = join(l.dir, 'genesis.yaml');
      await writeFile(gfile, await readFile(genesis));
      const cfg = join(l.dir, 'config.json');
      await writeFile(
        cfg,
        JSON.stringify({
          role: 'member',
          dataDir: l.dir,
          genesisFile: gfile,
          listen: [`/ip4/127.0.0.1/tcp/${l.port}`],
          keystore: { file: join(l.dir, 'keystore.json'), passphraseFile: passFile },
        }),
      );
      return { ...l, cfg, gfile };
    }),
  );
  return { dir, configs };
}

describe('pausenet dkg (real processes over TCP)', () => {
  it('3 members compute one group key, write it into genesis and the share into the keystore', async () => {
    const { configs } = await ceremonySetup(3, 2);
    const procs = configs.map((c) => spawnCli(['dkg', '--config', c.cfg, '--json', '--linger', '1500']));
    const codes = await Promise.all(
      procs.map((p) =>
        Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), 150_000))]).then(
          async (code) => {
            if (code === null) {
              const out = p.out();
              await p.stop();
              throw new Error(`dkg did not finish:\n${out}`);
            }
            return code;
          },
        ),
      ),
    );
    for (const [i, p] of procs.entries()) expect(codes[i], p.out()).toBe(0);
    const out = procs[0]!.out();
    expect(out).toMatch(/deal received from lab-b/);
    expect(out).toMatch(/response from lab-c: no complaints/);
    expect(out).toMatch(/lab-b confirmed the same result/);
    const texts = await Promise.all(configs.map((c) => readFile(c.gfile, 'utf8')));
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    const g = parseGenesisYaml(texts[0]!);
    expect(g.dkg?.groupPublicKey.length).toBe(48);
    expect(g.dkg?.publicShares.length).toBe(3);
    const ks = JSON.parse(await readFile(join(configs[0]!.dir, 'keystore.json'), 'utf8'));
    const secrets = JSON.parse(new TextDecoder().decode(decryptKeystore(ks, PASS)));
    expect(secrets.blsShare).toMatch(/^[0-9a-f]{64}$/);
    const again = await run(['dkg', '--config', configs[0]!.cfg]);
    expect(again.code).toBe(10);
    expect(again.stderr).toMatch(
      /already holds a DKG result; nothing was changed\. --force runs a new ceremony/,
    );
  }, 180_000);

  it('fails with a clear reason naming the missing members when fewer than t show up', async () => {
    const { configs } = await ceremonySetup(3, 3);
    const procs = configs
      .slice(0, 2)
      .map((c) =>
        spawnCli([
          'dkg',
          '--config',
          c.cfg,
          '--connect-timeout',
          '1500',
          '--phase-timeout',
          '1500',
          '--linger',
          '0',
        ]),
      );
    const codes = await Promise.all(procs.map((p) => p.exited));
    for (const [i, p] of procs.entries()) {
      expect(codes[i], p.out()).toBe(8);
      expect(p.out()).toMatch(/DKG failed .*lab-c/);
      expect(p.out()).not.toMatch(/\n\s+at /);
    }
    const g = parseGenesisYaml(await readFile(configs[0]!.gfile, 'utf8'));
    expect(g.dkg).toBeUndefined();
  }, 180_000);
});
