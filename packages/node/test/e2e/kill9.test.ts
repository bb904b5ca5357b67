import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, decodeSignedCommitment, hashSignedCommitment, ZERO_HASH } from '@pausenet/protocol';
import { spawnNode } from '@pausenet/testkit/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import {
  makeTestNetwork,
  metricsBody,
  TEST_PASSPHRASE,
  TEST_PASSPHRASE_ENV,
  type TestNetwork,
} from '../helpers/network.js';

/** lab-a as its own process, started by the test kit's launcher from the built package. */
const start = (configFile: string) =>
  spawnNode(configFile, { name: 'lab-a', env: { [TEST_PASSPHRASE_ENV]: TEST_PASSPHRASE } });
type Child = Awaited<ReturnType<typeof start>>;

describe('kill -9 while accepting commitments (real child process)', () => {
  let net: TestNetwork;
  let configFile: string;
  let child: Child | undefined;

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    const dataDir = net.members[0]?.dataDir as string;
    configFile = join(net.dir, 'lab-a.yaml');
    writeFileSync(
      configFile,
      [
        'role: member',
        `dataDir: ${dataDir}`,
        `genesisFile: ${net.genesisFile}`,
        'keystore:',
        `  file: ${join(dataDir, 'keystore.json')}`,
        `  passphraseEnv: ${TEST_PASSPHRASE_ENV}`,
        'logLevel: warn',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    if (child?.child.running) {
      child.child.proc.kill('SIGKILL');
      await child.child.exited;
    }
    net?.cleanup();
  });

  it('after SIGKILL mid-stream and restart, the store is consistent and every 201-acknowledged commitment is present', async () => {
    const t0 = Date.now();
    child = await start(configFile);
    const tStarted = Date.now();
    const token = readFileSync(join(net.members[0]?.dataDir as string, 'api-token'), 'utf8').trim();
    const acked: string[] = [];
    let epoch = 1;
    let stop = false;
    const submitter = (async () => {
      while (!stop) {
        try {
          const res = await fetch(`${child?.apiUrl}/v1/commitments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(metricsBody(epoch, epoch)),
          });
          if (res.status === 201) acked.push(((await res.json()) as { hash: string }).hash);
          epoch++;
        } catch {
          return; // connection reset by the kill: this request was not acknowledged
        }
      }
    })();
    while (acked.length < 25) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
    child.child.proc.kill('SIGKILL');
    await child.child.exited;
    stop = true;
    await submitter;
    console.log(
      `[figures] child start ${tStarted - t0} ms; ${acked.length} commitments acknowledged in ${Date.now() - tStarted} ms before SIGKILL`,
    );

    // Restart the same data dir: the stale lock is taken over and the store opens cleanly.
    const t1 = Date.now();
    child = await start(configFile);
    console.log(`[figures] restart after SIGKILL ready in ${Date.now() - t1} ms`);
    const list = (await (await fetch(`${child.apiUrl}/v1/commitments?lab=lab-a`)).json()) as {
      hash: string;
      seq: number;
      prev: string;
    }[];
    const stored = new Set(list.map((c) => c.hash));
    for (const h of acked) expect(stored.has(h), `acknowledged ${h} lost`).toBe(true);
    expect(list.length).toBeGreaterThanOrEqual(acked.length);
    expect(list.length).toBeLessThanOrEqual(acked.length + 1); // at most the one in flight at the kill

    // It keeps extending the same chain after the restart.
    const res = await fetch(`${child.apiUrl}/v1/commitments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(metricsBody(0, epoch + 1)),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { seq: number }).seq).toBe(list.length);

    await child.child.stop();
    // Chain consistency straight from the SQLite file: seq 0..n contiguous, each prev = hash of the previous.
    const store = Store.open(net.members[0]?.dataDir as string);
    try {
      const rows = store.commitments.range('lab-a', 0, 1_000_000, 1_000_000);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
      let prev = ZERO_HASH;
      for (const r of rows) {
        const sc = decodeSignedCommitment(r.bytes);
        expect(bytesEqual(sc.commitment.prev, prev)).toBe(true);
        expect(bytesEqual(hashSignedCommitment(sc), r.hash)).toBe(true);
        prev = r.hash;
      }
      expect(store.pragma('integrity_check')).toBe('ok');
    } finally {
      store.close();
    }
  }, 180_000);
});
