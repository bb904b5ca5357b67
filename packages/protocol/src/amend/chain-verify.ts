import type { Genesis } from '../types.js';
import type { BlsVerifyFn } from '../validation/result.js';
import { RevisionChain } from './chain.js';
import type { CertifiedAmendment } from './types.js';
import { validateCertifiedAmendment } from './validation.js';

/** A chain of amendments that does not verify: the rule that failed and the revision (list position) it failed at. */
export class AmendmentChainError extends Error {
  override readonly name = 'AmendmentChainError';
  /** The rule id (AK_*, A_*), or AK_ORDER (revision numbers not 2, 3, … in order), or AK_NO_DKG. */
  readonly code: string;
  /** The revision the failing item claims (position + 2 when out of order). */
  readonly revision: number;
  /** 0-based position in the list given. */
  readonly position: number;
  readonly detail: string;
  constructor(code: string, revision: number, position: number, detail: string) {
    super(`${code} at amendment ${position} (revision ${revision}): ${detail}`);
    this.code = code;
    this.revision = revision;
    this.position = position;
    this.detail = detail;
  }
}

/**
 * This chain extended by one certified amendment (AK_*, A_* against its head). Throws AmendmentChainError
 * (AK_ORDER for a revision other than head + 1) and changes nothing when it does not verify.
 */
export function extendChain(
  chain: RevisionChain,
  c: CertifiedAmendment,
  opts: { blsVerify?: BlsVerifyFn } = {},
): RevisionChain {
  const position = chain.revisions.length - 1;
  const v = validateCertifiedAmendment(c, { chain, ...opts });
  if (!v.ok) {
    const order = v.code === 'AK_STALE' || v.code === 'AK_FUTURE';
    throw new AmendmentChainError(
      order ? 'AK_ORDER' : v.code,
      c?.amendment?.revision ?? -1,
      position,
      order
        ? `expected revision ${chain.head.revision + 1} (amendments apply in order, each once): ${v.detail}`
        : v.detail,
    );
  }
  return chain.appendValidated(c);
}

/**
 * `pausenet verify` for a network's history (docs/protocol.md "Verifying a chain of amendments"): from the
 * original genesis (which must carry its DKG result), each certified amendment in order must create the
 * next revision (2, 3, … with no gap or repeat), link to the previous revision's hash, take effect at a
 * strictly later epoch, keep the group key, change the committee only with public shares that share that
 * key at the new threshold, be signed by at least t members of the previous revision, and carry a group
 * signature over its statement under the unchanged group key. Returns the chain (`genesisAt(epoch)` gives
 * the genesis in effect at any epoch); throws AmendmentChainError at the first item that fails.
 */
export function verifyAmendmentChain(
  original: Genesis,
  amendments: readonly CertifiedAmendment[],
  opts: { blsVerify?: BlsVerifyFn } = {},
): RevisionChain {
  let chain = RevisionChain.fromGenesis(original);
  if (original.dkg === undefined)
    throw new AmendmentChainError(
      'AK_NO_DKG',
      1,
      -1,
      'the original genesis has no DKG result: nothing can be certified',
    );
  for (const c of amendments) chain = extendChain(chain, c, opts);
  return chain;
}
