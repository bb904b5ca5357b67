import { ed25519Generate } from '@pausenet/crypto';
import { encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { signContribution, verifyContributionSignature } from '../src/ceremony/codec.js';
import { decodeSetupContribution, encodeSetupContribution, type SetupContribution } from '../src/index.js';

const me = ed25519Generate();
const body = {
  type: 'contribution' as const,
  sessionId: new Uint8Array(32).fill(3),
  phase: 2 as const,
  index: 2,
  prev: new Uint8Array(32).fill(4),
  data: new Uint8Array(1000).fill(5),
};
const signed = signContribution(body, me.secretKey);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('setup contribution encoding and signature', () => {
  it('round-trips canonically and verifies under the sender key only', () => {
    const bytes = encodeSetupContribution(signed);
    expect(decodeSetupContribution(bytes)).toEqual(signed);
    expect(verifyContributionSignature(signed, me.publicKey)).toBe(true);
    expect(verifyContributionSignature(signed, ed25519Generate().publicKey)).toBe(false);
  });

  it('binds session, kind, index, prev and data', () => {
    const variants: Partial<SetupContribution>[] = [
      { sessionId: new Uint8Array(32) },
      { type: 'prepared', phase: 1 },
      { phase: 1 },
      { index: 3 },
      { prev: new Uint8Array(32) },
      { data: new Uint8Array(1000).fill(6) },
    ];
    for (const v of variants)
      expect(verifyContributionSignature({ ...signed, ...v }, me.publicKey)).toBe(false);
  });

  it('refuses unknown types, a prepared file outside phase 1, bad indices and non-canonical bytes', () => {
    const raw = (over: Record<string, unknown>) => encode({ ...signed, ...over });
    expect(code(() => decodeSetupContribution(raw({ type: 'other' })))).toBe('MALFORMED');
    expect(code(() => decodeSetupContribution(raw({ type: 'prepared', phase: 2 })))).toBe('MALFORMED');
    expect(code(() => decodeSetupContribution(raw({ phase: 3 })))).toBe('MALFORMED');
    expect(code(() => decodeSetupContribution(raw({ index: 0 })))).toBe('MALFORMED');
    expect(code(() => decodeSetupContribution(raw({ prev: new Uint8Array(31) })))).toBe('MALFORMED');
    const { signature: _, ...unsigned } = signed;
    expect(code(() => decodeSetupContribution(encode(unsigned)))).toBe('MALFORMED');
    const { type, ...rest } = signed;
    const unsorted = encode({ type, ...rest }, { mapSorter: () => 0 }); // 'type' first: not canonical order
    expect(code(() => decodeSetupContribution(unsorted))).toBe('NON_CANONICAL');
  });
});
