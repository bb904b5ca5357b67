import { encode as cborEncode, rfc8949EncodeOptions } from 'cborg';
import { describe, expect, it } from 'vitest';
import {
  amendmentField,
  decodeAmendment,
  decodeCertifiedAmendment,
  decodeSignedAmendmentProposal,
  decodeSignedAmendmentVote,
  encodeAmendment,
  encodeCertifiedAmendment,
  encodeSignedAmendmentProposal,
  encodeSignedAmendmentVote,
} from '../src/amend/codec.js';
import {
  amendmentFromJson,
  amendmentProposalFromJson,
  amendmentProposalToJson,
  amendmentToJson,
  amendmentVoteFromJson,
  amendmentVoteToJson,
  certifiedAmendmentFromJson,
  certifiedAmendmentToJson,
} from '../src/amend/json.js';
import {
  AMENDMENT_STATEMENT_TAG,
  amendmentHash,
  amendmentStatementBytes,
  certifiedAmendmentStatement,
  reshareSessionId,
} from '../src/amend/signing.js';
import { toHex, utf8 } from '../src/bytes.js';
import {
  decodeCertificate,
  decodeSignedVote,
  encodeCertificate,
  encodeSignedVote,
  encodeVote,
} from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';
import { certificateFromJson, certificateToJson, voteFromJson, voteToJson } from '../src/json.js';
import { amendment2, amendVote, certified2, draft2, propose } from './helpers/amend.js';
import { networkId, vote } from './helpers/fixtures.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return 'NO_ERROR';
}

describe('amendment codec', () => {
  it('round trips: amendment, proposal, vote, certified amendment', () => {
    expect(decodeAmendment(encodeAmendment(amendment2))).toEqual(amendment2);
    const p = propose(draft2);
    expect(decodeSignedAmendmentProposal(encodeSignedAmendmentProposal(p))).toEqual(p);
    const v = amendVote(amendment2, 'lab-b');
    expect(decodeSignedAmendmentVote(encodeSignedAmendmentVote(v))).toEqual(v);
    expect(decodeCertifiedAmendment(encodeCertifiedAmendment(certified2))).toEqual(certified2);
  });

  it('strict decoding: trailing bytes, unknown keys, revision 1 or effective epoch 0 in an amendment', () => {
    const bytes = encodeCertifiedAmendment(certified2);
    expect(codeOf(() => decodeCertifiedAmendment(Uint8Array.from([...bytes, 0])))).toBe('MALFORMED');
    const rawAmendment = (over: Record<string, unknown>) =>
      cborEncode({ ...(amendmentField.write(amendment2, '') as object), ...over }, rfc8949EncodeOptions);
    expect(codeOf(() => decodeAmendment(rawAmendment({})))).toBe('NO_ERROR');
    expect(codeOf(() => decodeAmendment(rawAmendment({ extra: 1 })))).toBe('UNKNOWN_FIELD');
    expect(codeOf(() => decodeAmendment(rawAmendment({ revision: 1 })))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => decodeAmendment(rawAmendment({ effectiveEpoch: 0 })))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => decodeSignedAmendmentVote(new Uint8Array(2_000)))).toBe('OVERSIZED');
  });

  it('votes and certificates: revision absent means 1 (the same bytes as before amendments), 1 itself is refused', () => {
    const v = vote('lab-a', 1);
    const v2 = { ...v, vote: { ...v.vote, revision: 2 } };
    expect(decodeSignedVote(encodeSignedVote(v2))).toEqual(v2);
    expect(encodeSignedVote(v2).length).toBeGreaterThan(encodeSignedVote(v).length);
    expect(toHex(encodeVote({ ...v.vote, revision: undefined }))).toBe(toHex(encodeVote(v.vote)));
    expect(codeOf(() => encodeVote({ ...v.vote, revision: 1 }))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => encodeVote({ ...v.vote, revision: 2 ** 32 }))).toBe('OUT_OF_RANGE');
    const cert = {
      networkId,
      height: 1,
      target: 'PAUSED' as const,
      step: 'up' as const,
      signers: ['lab-a', 'lab-b', 'lab-c'],
      resolves: [],
      signature: new Uint8Array(96).fill(7),
      revision: 3,
    };
    expect(decodeCertificate(encodeCertificate(cert))).toEqual(cert);
    expect(codeOf(() => encodeCertificate({ ...cert, revision: 1 }))).toBe('OUT_OF_RANGE');
    expect(certificateFromJson(certificateToJson(cert))).toEqual(cert);
    expect(voteFromJson(voteToJson(v2))).toEqual(v2);
  });

  it('JSON views carry derived keys that parsers check', () => {
    const j = amendmentToJson(amendment2);
    expect(j.hash).toBe(toHex(amendmentHash(amendment2)));
    expect(amendmentFromJson(JSON.parse(JSON.stringify(j)))).toEqual(amendment2);
    expect(codeOf(() => amendmentFromJson({ ...j, hash: '00'.repeat(32) }))).toBe('MALFORMED');
    const c = certifiedAmendmentToJson(certified2);
    expect(c.statement).toBe(toHex(certifiedAmendmentStatement(certified2)));
    expect(certifiedAmendmentFromJson(JSON.parse(JSON.stringify(c)))).toEqual(certified2);
    expect(codeOf(() => certifiedAmendmentFromJson({ ...c, statement: '00' }))).toBe('MALFORMED');
    const p = propose(draft2);
    expect(amendmentProposalFromJson(JSON.parse(JSON.stringify(amendmentProposalToJson(p))))).toEqual(p);
    expect(
      codeOf(() => amendmentProposalFromJson({ ...amendmentProposalToJson(p), id: '11'.repeat(32) })),
    ).toBe('MALFORMED');
    const v = amendVote(amendment2, 'lab-c');
    expect(amendmentVoteFromJson(JSON.parse(JSON.stringify(amendmentVoteToJson(v))))).toEqual(v);
  });

  it('the amendment statement: tag, network id, u32be revision, amendment hash (86 bytes)', () => {
    const h = amendmentHash(amendment2);
    const st = amendmentStatementBytes(networkId, 2, h);
    expect(st.length).toBe(86);
    expect(toHex(st)).toBe(toHex(utf8(AMENDMENT_STATEMENT_TAG)) + toHex(networkId) + '00000002' + toHex(h));
    expect(codeOf(() => amendmentStatementBytes(networkId, 1, h))).toBe('INVALID_ARGUMENT');
    // A reshare implements a draft; its session id binds the whole draft.
    expect(reshareSessionId(draft2)).toHaveLength(32);
    expect(toHex(reshareSessionId(draft2))).not.toBe(
      toHex(reshareSessionId({ ...draft2, effectiveEpoch: 4 })),
    );
    expect(codeOf(() => reshareSessionId(amendment2))).toBe('INVALID_ARGUMENT');
  });
});
