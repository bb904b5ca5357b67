import {
  certificateHash,
  certificateToJson,
  type Receipt,
  receiptToJson,
  signReceipt,
} from '@pausenet/protocol';
import { certificate, labOf, testGenesis } from '@pausenet/testkit';
import { describe, expect, it } from 'vitest';
import { checkReceipts } from '../src/devnet/receipts.js';

const now = 1_800_000_000_000;
const net = testGenesis({ labs: 4, now });
const reduced = certificate(net, { height: 1, target: 'REDUCED', step: 'up' });
const resumed = certificate(net, { height: 2, target: 'RUNNING', step: 'down' });
const certificates = [certificateToJson(reduced), certificateToJson(resumed)];

function receipt(lab: string, cert = reduced, over: Partial<Receipt> = {}, key = labOf(net, lab).secretKey) {
  return {
    ...receiptToJson(
      signReceipt(
        {
          networkId: net.networkId,
          lab,
          height: cert.height,
          target: cert.target,
          certificateHash: certificateHash(cert),
          hooksDoneAt: now - 2000,
          hooks: [{ name: 'devnet-log', outcome: 'ok', attempts: 1 }],
          schedulerDigest: new Uint8Array(32),
          issuedAt: now - 1000,
          ...over,
        },
        key,
      ),
    ),
    firstSeenAt: now - 500,
  };
}

describe('devnet receipts summary (checkReceipts, the protocol receipt rules on GET /v1/receipts)', () => {
  it('one entry per lab per certificate, ordered by height; the newest receipt of a lab counts', () => {
    const r = checkReceipts({
      genesis: net.genesis,
      certificates,
      now,
      receipts: [
        receipt('lab-b', resumed),
        receipt('lab-a'),
        // lab-b's hook failed first, then a retry made it ok: the later receipt supersedes
        receipt('lab-b', reduced, {
          hooks: [{ name: 'devnet-log', outcome: 'failed', attempts: 3 }],
          issuedAt: now - 1500,
        }),
        receipt('lab-b'),
        // lab-c's newest receipt reports a failed hook: valid, but not ok
        receipt('lab-c', reduced, { hooks: [{ name: 'devnet-log', outcome: 'failed', attempts: 10 }] }),
      ],
    });
    expect(r.problems).toEqual([]);
    expect(r.receipts).toEqual([
      { lab: 'lab-a', height: 1, target: 'REDUCED', ok: true },
      { lab: 'lab-b', height: 1, target: 'REDUCED', ok: true },
      { lab: 'lab-c', height: 1, target: 'REDUCED', ok: false },
      { lab: 'lab-b', height: 2, target: 'RUNNING', ok: true },
    ]);
  });

  it('a receipt signed by another lab, or for a certificate the node did not list, is a problem and not ok', () => {
    const r = checkReceipts({
      genesis: net.genesis,
      certificates: certificates.slice(0, 1),
      now,
      receipts: [receipt('lab-b', reduced, {}, labOf(net, 'lab-c').secretKey), receipt('lab-a', resumed)],
    });
    expect(r.receipts).toEqual([
      { lab: 'lab-b', height: 1, target: 'REDUCED', ok: false },
      { lab: 'lab-a', height: 2, target: 'RUNNING', ok: false },
    ]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^receipt of lab-b for height 1 REDUCED: R_SIGNATURE /);
    expect(r.problems[1]).toMatch(/^receipt of lab-a for height 2 RUNNING: R_UNKNOWN_CERTIFICATE /);
  });

  it('a receipt whose body was changed after signing does not parse (its hash no longer matches)', () => {
    const bad = { ...receipt('lab-a'), target: 'PAUSED' };
    const r = checkReceipts({ genesis: net.genesis, certificates, now, receipts: [bad] });
    expect(r.receipts).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^a receipt from GET \/v1\/receipts does not parse: /);
  });
});
