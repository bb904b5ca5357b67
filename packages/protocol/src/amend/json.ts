import { bytesEqual, fromHexOrNull, toHex } from '../bytes.js';
import type { Field } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import {
  amendmentField,
  certifiedAmendmentField,
  signedAmendmentProposalField,
  signedAmendmentVoteField,
} from './codec.js';
import { amendmentHash, certifiedAmendmentStatement, proposalId } from './signing.js';
import type { Amendment, CertifiedAmendment, SignedAmendmentProposal, SignedAmendmentVote } from './types.js';

/**
 * JSON views of the amendment messages (API, CLI, vectors): bytes as hex, quantities as decimal strings,
 * plus derived keys (`hash`, `statement`, `id`) that parsers recompute and check when present.
 */

function parse<T>(
  field: Field<T>,
  json: unknown,
  derived: string[],
): { value: T; derived: Record<string, unknown> } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ProtocolError('WRONG_TYPE', 'expected a JSON object');
  const rest: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  const got: Record<string, unknown> = {};
  for (const k of [...derived, 'firstSeenAt']) {
    if (Object.hasOwn(rest, k)) got[k] = rest[k];
    delete rest[k];
  }
  try {
    return { value: field.readJson(rest, ''), derived: got };
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('MALFORMED', (e as Error)?.message ?? String(e));
  }
}

function check(derived: Record<string, unknown>, key: string, actual: () => Uint8Array): void {
  const v = derived[key];
  if (v === undefined) return;
  const b = typeof v === 'string' ? fromHexOrNull(v) : null;
  if (!b || !bytesEqual(b, actual()))
    throw new ProtocolError('MALFORMED', `${key} does not match the content`, key);
}

/** An amendment as JSON with its `hash` (amendmentHash). */
export function amendmentToJson(a: Amendment): Record<string, unknown> & { hash: string } {
  return { hash: toHex(amendmentHash(a)), ...(amendmentField.writeJson(a, '') as Record<string, unknown>) };
}

/** Parse an amendment's JSON view (a present `hash` must match). */
export function amendmentFromJson(json: unknown): Amendment {
  const { value, derived } = parse(amendmentField, json, ['hash']);
  check(derived, 'hash', () => amendmentHash(value));
  return value;
}

/** A certified amendment as JSON: `hash` of its amendment and the `statement` (hex) the group signature covers. */
export function certifiedAmendmentToJson(
  c: CertifiedAmendment,
): Record<string, unknown> & { hash: string; statement: string } {
  return {
    hash: toHex(amendmentHash(c.amendment)),
    statement: toHex(certifiedAmendmentStatement(c)),
    ...(certifiedAmendmentField.writeJson(c, '') as Record<string, unknown>),
  };
}

/** Parse a certified amendment's JSON view (present `hash` / `statement` must match). */
export function certifiedAmendmentFromJson(json: unknown): CertifiedAmendment {
  const { value, derived } = parse(certifiedAmendmentField, json, ['hash', 'statement']);
  check(derived, 'hash', () => amendmentHash(value.amendment));
  check(derived, 'statement', () => certifiedAmendmentStatement(value));
  return value;
}

/** A signed proposal as JSON with its `id` (the draft's hash). */
export function amendmentProposalToJson(
  p: SignedAmendmentProposal,
): Record<string, unknown> & { id: string } {
  return {
    id: toHex(proposalId(p)),
    ...(signedAmendmentProposalField.writeJson(p, '') as Record<string, unknown>),
  };
}

/** Parse a signed proposal's JSON view (a present `id` must match). */
export function amendmentProposalFromJson(json: unknown): SignedAmendmentProposal {
  const { value, derived } = parse(signedAmendmentProposalField, json, ['id']);
  check(derived, 'id', () => proposalId(value));
  return value;
}

/** A signed amendment vote as JSON. */
export function amendmentVoteToJson(v: SignedAmendmentVote): Record<string, unknown> {
  return signedAmendmentVoteField.writeJson(v, '') as Record<string, unknown>;
}

/** Parse a signed amendment vote's JSON view. */
export function amendmentVoteFromJson(json: unknown): SignedAmendmentVote {
  return parse(signedAmendmentVoteField, json, []).value;
}
