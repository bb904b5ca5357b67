import { createHash } from 'node:crypto';
import { ed25519Verify } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../src/bytes.js';
import { encodeCommitment, encodeGenesis } from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';
import { attestCommitment } from '../src/sign.js';
import {
  ceremonyIdOf,
  DOMAIN_TAGS,
  networkIdOf,
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
    const tags = [...Object.values(DOMAIN_TAGS), STATEMENT_TAG];
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
  it('statementBytes layout: tag ‖ networkId ‖ u64be(height) ‖ target byte ‖ resolvesDigest', () => {
    const s = statementBytes({ networkId, height: 3, target: 'PAUSED', resolves: [] });
    expect(toHex(s)).toBe(
      toHex(utf8('pausenet/v2/statement\0')) + toHex(networkId) + '0000000000000003' + '01' + '00'.repeat(32),
    );
    expect(s).toHaveLength(95);
    const a = new Uint8Array(32).fill(0xaa);
    const b = new Uint8Array(32).fill(0xbb);
    const resume = statementBytes({ networkId, height: 2, target: 'RUNNING', resolves: [a, b] });
    const digest = createHash('sha256').update(a).update(b).digest('hex');
    expect(toHex(resume).endsWith(`000000000000000200${digest}`)).toBe(true);
    // The empty resolves set of a resume hashes to SHA-256("") (not the zero bytes of a pause).
    const none = statementBytes({ networkId, height: 2, target: 'RUNNING', resolves: [] });
    expect(toHex(none).endsWith(createHash('sha256').digest('hex'))).toBe(true);
    expect(resolvesDigest('PAUSED', [])).toEqual(new Uint8Array(32));
    expect(() => statementBytes({ networkId, height: 1, target: 'PAUSED', resolves: [a] })).toThrow(
      ProtocolError,
    );
    expect(() => statementBytes({ networkId, height: 2, target: 'RUNNING', resolves: [b, a] })).toThrow(
      ProtocolError,
    );
    expect(() => statementBytes({ networkId, height: 0, target: 'PAUSED', resolves: [] })).toThrow(
      ProtocolError,
    );
    expect(() =>
      statementBytes({ networkId: new Uint8Array(31), height: 1, target: 'PAUSED', resolves: [] }),
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
