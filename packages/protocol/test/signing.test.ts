import { createHash } from 'node:crypto';
import { ed25519Verify } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { BREACH_TAG } from '../src/breach.js';
import { concatBytes, toHex, utf8 } from '../src/bytes.js';
import { encodeCommitment, encodeGenesis, encodeReleasePayload } from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';
import { attestCommitment } from '../src/sign.js';
import {
  ceremonyIdOf,
  DOMAIN_TAGS,
  networkIdOf,
  RELEASE_STATEMENT_TAG,
  releaseStatementBytes,
  resolvesDigest,
  type SigningKind,
  STATEMENT_TAG,
  signingBytes,
  statementBytes,
} from '../src/signing.js';
import { commitment, genesis, makeGenesis, networkId, signed } from './helpers/fixtures.js';

describe('signing bytes and ids', () => {
  it('signingBytes = domainTag ‖ networkId ‖ canonical, distinct and prefix-free tags', () => {
    const body = encodeCommitment(commitment());
    expect(signingBytes('commitment', networkId, body)).toEqual(
      concatBytes(utf8('pausenet/v2/commitment\0'), networkId, body),
    );
    const tags = [...Object.values(DOMAIN_TAGS), STATEMENT_TAG, RELEASE_STATEMENT_TAG, BREACH_TAG];
    expect(new Set(tags).size).toBe(tags.length);
    for (const a of tags) for (const b of tags) if (a !== b) expect(b.startsWith(a)).toBe(false);
    const kinds = Object.keys(DOMAIN_TAGS) as SigningKind[];
    const all = kinds.map((k) => toHex(signingBytes(k, networkId, body)));
    expect(new Set(all).size).toBe(kinds.length);
  });
  it('a signature for one kind does not verify as another kind', () => {
    const sc = signed();
    const body = encodeCommitment(sc.commitment);
    const pk = genesis.members[0]!.publicKey;
    expect(ed25519Verify(pk, signingBytes('commitment', networkId, body), sc.signature)).toBe(true);
    expect(ed25519Verify(pk, signingBytes('vote', networkId, body), sc.signature)).toBe(false);
    const otherNet = new Uint8Array(32).fill(1);
    expect(ed25519Verify(pk, signingBytes('commitment', otherNet, body), sc.signature)).toBe(false);
  });
  it('networkIdOf = SHA-256(canonical genesis); ceremonyIdOf ignores the dkg slot', () => {
    expect(toHex(networkIdOf(genesis))).toBe(
      createHash('sha256').update(encodeGenesis(genesis)).digest('hex'),
    );
    const pre = makeGenesis({ withDkg: false });
    expect(ceremonyIdOf(genesis)).toEqual(ceremonyIdOf(pre));
    expect(ceremonyIdOf(pre)).toEqual(networkIdOf(pre));
    expect(networkIdOf(genesis)).not.toEqual(networkIdOf(pre));
    expect(networkIdOf({ ...genesis, name: 'other' })).not.toEqual(networkIdOf(genesis));
  });
  it('statementBytes layout: tag ‖ networkId ‖ u64be(height) ‖ level byte ‖ resolvesDigest(step)', () => {
    const s = statementBytes({ networkId, height: 3, target: 'PAUSED', step: 'up', resolves: [] });
    expect(toHex(s)).toBe(
      toHex(utf8('pausenet/v2/statement\0')) + toHex(networkId) + '0000000000000003' + '02' + '00'.repeat(32),
    );
    expect(s).toHaveLength(95);
    // REDUCED is level byte 1, as a step up (zero digest) and as a step down (digest of what it resolves).
    const reducedUp = statementBytes({ networkId, height: 3, target: 'REDUCED', step: 'up', resolves: [] });
    expect(toHex(reducedUp).endsWith(`000000000000000301${'00'.repeat(32)}`)).toBe(true);
    const a = new Uint8Array(32).fill(0xaa);
    const b = new Uint8Array(32).fill(0xbb);
    const digest = createHash('sha256').update(a).update(b).digest('hex');
    const reducedDown = statementBytes({
      networkId,
      height: 3,
      target: 'REDUCED',
      step: 'down',
      resolves: [a, b],
    });
    expect(toHex(reducedDown).endsWith(`000000000000000301${digest}`)).toBe(true);
    const resume = statementBytes({
      networkId,
      height: 2,
      target: 'RUNNING',
      step: 'down',
      resolves: [a, b],
    });
    expect(toHex(resume).endsWith(`000000000000000200${digest}`)).toBe(true);
    // The empty resolves set of a step down hashes to SHA-256("") (never the zero bytes of a step up), so
    // a REDUCED step down that resolves nothing and a REDUCED step up are different statements.
    const none = statementBytes({ networkId, height: 2, target: 'RUNNING', step: 'down', resolves: [] });
    expect(toHex(none).endsWith(createHash('sha256').digest('hex'))).toBe(true);
    const reducedDownNone = statementBytes({
      networkId,
      height: 3,
      target: 'REDUCED',
      step: 'down',
      resolves: [],
    });
    expect(reducedDownNone).not.toEqual(reducedUp);
    expect(resolvesDigest('up', [])).toEqual(new Uint8Array(32));
    const bad = (st: Parameters<typeof statementBytes>[0]) => () => statementBytes(st);
    expect(bad({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [a] })).toThrow(ProtocolError);
    expect(bad({ networkId, height: 2, target: 'RUNNING', step: 'down', resolves: [b, a] })).toThrow(
      ProtocolError,
    );
    expect(bad({ networkId, height: 0, target: 'PAUSED', step: 'up', resolves: [] })).toThrow(ProtocolError);
    expect(bad({ networkId, height: 2, target: 'RUNNING', step: 'up', resolves: [] })).toThrow(
      /cannot target RUNNING/,
    );
    expect(bad({ networkId, height: 2, target: 'PAUSED', step: 'down', resolves: [] })).toThrow(
      /cannot target PAUSED/,
    );
    expect(bad({ networkId, height: 2, target: 'HALTED' as 'PAUSED', step: 'up', resolves: [] })).toThrow(
      ProtocolError,
    );
    expect(
      bad({ networkId: new Uint8Array(31), height: 1, target: 'PAUSED', step: 'up', resolves: [] }),
    ).toThrow(ProtocolError);
  });
  it('the release statement: its own tag, u64be(sequence) and the digest of {released, breaches}', () => {
    const ids = [new Uint8Array(32).fill(1)];
    const st = releaseStatementBytes({ networkId, sequence: 2, released: ['lab-a'], breaches: ids });
    const payload = encodeReleasePayload({ released: ['lab-a'], breaches: ids });
    expect(toHex(st)).toBe(
      toHex(utf8('pausenet/v2/release\0')) +
        toHex(networkId) +
        '0000000000000002' +
        createHash('sha256').update(payload).digest('hex'),
    );
    expect(() =>
      releaseStatementBytes({ networkId, sequence: 0, released: ['lab-a'], breaches: ids }),
    ).toThrow(ProtocolError);
  });
  it('attestations sign the commitment without attestations under their own tag', () => {
    const c = commitment();
    const key = new Uint8Array(32).fill(3);
    const att = attestCommitment(c, 'dc-operator', key);
    const bytes = signingBytes('attestation', networkId, encodeCommitment({ ...c, attestations: [] }));
    expect(ed25519Verify(att.publicKey, bytes, att.signature)).toBe(true);
  });
});
