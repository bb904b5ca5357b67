import { createHash } from 'node:crypto';
import { ed25519Verify } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../src/bytes.js';
import { encodeCommitment, encodeGenesis } from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';
import {
  attestCommitment,
  ceremonyIdOf,
  DOMAIN_TAGS,
  networkIdOf,
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
      concatBytes(utf8('pausenet/v1/commitment\0'), networkId, body),
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
  it('statementBytes layout: tag ‖ networkId ‖ u64be(height) ‖ target byte', () => {
    const s = statementBytes(networkId, 3, 'PAUSED');
    expect(toHex(s)).toBe(
      toHex(utf8('pausenet/v1/statement\0')) + toHex(networkId) + '0000000000000003' + '01',
    );
    expect(toHex(statementBytes(networkId, 2, 'RUNNING')).endsWith('000000000000000200')).toBe(true);
    expect(() => statementBytes(networkId, 0, 'PAUSED')).toThrow(ProtocolError);
    expect(() => statementBytes(new Uint8Array(31), 1, 'PAUSED')).toThrow(ProtocolError);
  });
  it('attestations sign the commitment without attestations under their own tag', () => {
    const c = commitment();
    const key = new Uint8Array(32).fill(3);
    const att = attestCommitment(c, 'dc-operator', key);
    const bytes = signingBytes('attestation', networkId, encodeCommitment({ ...c, attestations: [] }));
    expect(ed25519Verify(att.publicKey, bytes, att.signature)).toBe(true);
  });
});
