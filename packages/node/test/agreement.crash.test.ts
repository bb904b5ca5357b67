import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blsSign, recoverSignature } from '@pausenet/crypto';
import {
  type Certificate,
  certificateHash,
  encodeCertificate,
  encodeSignedEvidence,
  genesisToJson,
  signEvidence,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import { runToEnd, TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/store/index.js';
import { commitment, makeAgreementGenesis } from './helpers/agreement-net.js';

const FIXTURE = new URL('./fixtures/agreement-member.mjs', import.meta.url).pathname;
const tmp = new TempDirs();
afterEach(() => {
  tmp.cleanup();
});

interface MemberRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: { event: string; kind?: string; hex?: string; status?: unknown; result?: unknown }[];
  stderr: string;
}

/** Run the member fixture to its end (its own SIGKILL with `crash`); its stdout is one JSON event a line. */
async function runMember(setupFile: string, crash?: string): Promise<MemberRun> {
  const env = { ...process.env };
  delete env.PAUSENET_TEST_CRASH;
  if (crash) env.PAUSENET_TEST_CRASH = crash;
  const r = await runToEnd(process.execPath, [FIXTURE, setupFile], { env, timeoutMs: 30_000 });
  const lines = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { code: r.code, signal: r.signal, stderr: r.stderr, lines };
}

function setupNet() {
  const dir = tmp.make('pn-agr-crash-');
  const net = makeAgreementGenesis(4);
  const lab = net.labs[0];
  const share = net.shares[0];
  if (!lab || !share) throw new Error('labs');
  const self = { lab: lab.id, index: lab.index, sk: toHex(lab.secretKey), share: toHex(share) };
  return { dir, net, self, dataDir: join(dir, 'data'), hookLog: join(dir, 'hook.log') };
}

function writeSetup(dir: string, name: string, body: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('crash safety (real child processes, SIGKILL)', () => {
  it('vote persisted, process killed before publishing: after restart the same vote is re-published; never a second signature', async () => {
    const { dir, net, self, dataDir, hookLog } = setupNet();
    const [, l2, l3, l4] = net.labs;
    if (!l2 || !l3 || !l4) throw new Error('labs');
    const over = commitment(net.genesis, net.networkId, l4, { metrics: { trainingFlop: 10n ** 27n } });
    const ev = (reporter: typeof l2) =>
      encodeSignedEvidence(
        signEvidence(
          {
            networkId: net.networkId,
            evidence: { kind: 'cap-exceeded', commitment: over, cap: 'trainingFlop' },
            reporter: reporter.id,
            issuedAt: Date.now(),
          },
          reporter.secretKey,
        ),
      );
    const genesis = genesisToJson(net.genesis);
    const first = writeSetup(dir, 'run1', {
      dataDir,
      genesis,
      self,
      hookLog,
      inject: [{ kind: 'evidence', hex: toHex(ev(l2)) }],
    });
    const r1 = await runMember(first, 'before-publish');
    expect(r1.signal).toBe('SIGKILL');
    expect(r1.lines.filter((l) => l.kind === 'vote')).toEqual([]); // killed before anything left the process

    const s = Store.open(dataDir);
    const rows = s.signedHeights.all().map(({ height, target }) => ({ height, target }));
    const [signed1, ...more] = s.signedHeights.signedAt(1);
    s.close();
    expect(rows).toEqual([{ height: 1, target: 'PAUSED' }]);
    expect(more).toEqual([]);
    if (signed1 === undefined) throw new Error('no vote stored at height 1');
    const stored = { height: 1, target: signed1.target, vote: signed1.vote };

    // Restart with different evidence and an operator approval: still exactly the stored vote bytes.
    const second = writeSetup(dir, 'run2', {
      dataDir,
      genesis,
      self,
      hookLog,
      inject: [{ kind: 'evidence', hex: toHex(ev(l3)) }],
      approve: { height: 1, target: 'PAUSED' },
    });
    const r2 = await runMember(second);
    expect(r2.code, r2.stderr).toBe(0);
    const votes = r2.lines.filter((l) => l.kind === 'vote').map((l) => l.hex);
    expect(votes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(votes)).toEqual(new Set([toHex(stored.vote)]));
    expect(r2.lines.find((l) => l.event === 'approve')?.result).toMatchObject({ signed: true });
    const s2 = Store.open(dataDir);
    const after = s2.signedHeights.all();
    const vote1 = s2.signedHeights.signedAt(1)[0]?.vote;
    s2.close();
    expect(after.length).toBe(1);
    expect(toHex(vote1 ?? new Uint8Array())).toBe(toHex(stored.vote));
  });

  it('certificate applied, process killed before its hooks ran: hooks run after restart, exactly once', async () => {
    const { dir, net, self, dataDir, hookLog } = setupNet();
    const statement = statementBytes({
      networkId: net.networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      resolves: [],
    });
    const partials = [0, 1, 2].map((i) => ({
      index: i + 1,
      signature: blsSign(net.shares[i] as Uint8Array, statement),
    }));
    const cert: Certificate = {
      networkId: net.networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      signers: net.labs.slice(0, 3).map((l) => l.id),
      resolves: [],
      signature: recoverSignature(partials, 3),
    };
    const hash = toHex(certificateHash(cert));
    const genesis = genesisToJson(net.genesis);
    const first = writeSetup(dir, 'run1', {
      dataDir,
      genesis,
      self,
      hookLog,
      inject: [{ kind: 'certificate', hex: toHex(encodeCertificate(cert)) }],
    });
    const r1 = await runMember(first, 'before-hooks');
    expect(r1.signal).toBe('SIGKILL');
    expect(() => readFileSync(hookLog, 'utf8')).toThrow(); // the hook never ran

    const s = Store.open(dataDir);
    expect(s.pauseState.get()).toMatchObject({ height: 1, state: 'PAUSED' });
    expect(
      s.hookJournal.latest(100).map((e) => ({
        certificate_hash: e.certificateHash,
        hook_name: e.hookName,
        status: e.status,
        attempts: e.attempts,
      })),
    ).toEqual([{ certificate_hash: hash, hook_name: 'log', status: 'pending', attempts: 0 }]);
    s.close();

    const r2 = await runMember(writeSetup(dir, 'run2', { dataDir, genesis, self, hookLog, inject: [] }));
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual([`halt 1 ${hash}`]);
    const status = r2.lines.find((l) => l.event === 'status')?.status as {
      state: string;
      height: number;
      hooks: unknown[];
    };
    expect(status).toMatchObject({
      state: 'PAUSED',
      height: 1,
      hooks: [{ height: 1, action: 'halt', hook: 'log', status: 'ok', attempts: 1 }],
    });
    // A third start finds nothing unfinished, but the state is PAUSED: it re-asserts the halt once
    // (docs/protocol.md "Re-assert on start"), and the journal says so.
    const r3 = await runMember(writeSetup(dir, 'run3', { dataDir, genesis, self, hookLog, inject: [] }));
    expect(r3.code, r3.stderr).toBe(0);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual([`halt 1 ${hash}`, `halt 1 ${hash}`]);
    expect(r3.lines.find((l) => l.event === 'status')?.status).toMatchObject({
      ready: true,
      hooks: [{ height: 1, action: 'halt', status: 'ok', attempts: 2, reasserts: 1 }],
    });
  });
});
