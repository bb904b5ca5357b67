// Over 400 lines on purpose: the joint-Feldman DKG as one pure state machine (deal, complain, justify,
// qualify, finish, reshare); every transition checks the same state invariants, so they stay in one file.
import { createHash, type KeyObject } from 'node:crypto';
import { activeBackend as backend } from '../bls-backend.js';
import { equalBytes, toHex, u32, utf8 } from '../bytes.js';
import { ed25519PublicKey } from '../ed25519.js';
import { DkgError } from '../errors.js';
import {
  CURVE_ORDER,
  evalPolynomial,
  Fr,
  lagrangeAtZero,
  parseSecret,
  randomScalar,
  scalarToBytes,
} from '../scalar.js';
import { encodeDkgBundle, signDkgBundle, verifyDkgBundleSignature } from './codec.js';
import {
  decryptShare,
  encryptShare,
  newEphemeralKey,
  x25519PrivateKeyObject,
  x25519PublicFromEd25519,
  x25519PublicKeyObject,
  x25519SecretFromEd25519,
} from './share-encryption.js';
import type {
  DkgBundle,
  DkgDeal,
  DkgEvent,
  DkgExclusion,
  DkgExclusionReason,
  DkgFailure,
  DkgJustification,
  DkgMember,
  DkgOutput,
  DkgPhase,
  DkgResponse,
  DkgTimeouts,
} from './types.js';

/**
 * Joint-Feldman (Pedersen) DKG with complaints and justifications, after drand/kyber's dkg:
 * Deal -> Response -> Justification -> Finish, as a pure state machine. Time only enters as
 * `now`; a phase ends when every expected bundle has arrived or its timeout passes (on 'tick').
 * The same machine reshares: old holders deal Lagrange-weighted shares of their old share.
 */

interface DkgConfig {
  sessionId: Uint8Array;
  dealers: DkgMember[];
  recipients: DkgMember[];
  /** Threshold of the committee being created. */
  threshold: number;
  /** Minimum qualified dealers: t for a fresh DKG, the old t for a reshare. */
  dealerThreshold: number;
  previous: { groupPublicKey: Uint8Array; publicShares: Uint8Array[] } | null;
  timeouts: DkgTimeouts;
  secretKey: Uint8Array;
  selfDealer: number | null;
  selfRecipient: number | null;
  x25519Secret: KeyObject;
  x25519Public: Uint8Array;
  recipientKeys: Map<number, { index: number; x25519: Uint8Array; keyObject: KeyObject }>;
}

interface DealRecord {
  bundle: DkgDeal;
  /** Own share from this deal: undefined if not a recipient, null if missing/invalid. */
  myShare: bigint | null | undefined;
}

/** Opaque DKG state (treat as immutable; holds the secret dealing polynomial until Finish). */
export interface DkgState {
  readonly config: DkgConfig;
  readonly phase: DkgPhase;
  readonly deadline: number;
  readonly polynomial: readonly bigint[] | null;
  readonly deals: ReadonlyMap<number, DealRecord>;
  readonly responses: ReadonlyMap<number, DkgResponse>;
  readonly justifications: ReadonlyMap<number, DkgJustification>;
  readonly cheaters: ReadonlyMap<number, DkgExclusionReason>;
  readonly output: DkgOutput | null;
  readonly failure: DkgFailure | null;
}

export interface DkgStepResult {
  state: DkgState;
  /** Bundles to broadcast to every participant. */
  out: DkgBundle[];
  /** Set on the step that finished the ceremony successfully. */
  done?: DkgOutput;
  /** Set on the step that finished the ceremony unsuccessfully. */
  failed?: DkgFailure;
  /**
   * A validly signed bundle that proves its sender faulty (a malformed deal, a reshare deal whose
   * constant term is not the dealer's old public share, a second different deal): the dealer is
   * excluded from the ceremony; the transport penalises the sender.
   */
  rejected?: { dealer: number; reason: DkgExclusionReason; detail: string };
  /** Why an incoming bundle was not accepted (for peer scoring / logs). */
  ignored?: {
    code: 'WRONG_SESSION' | 'UNKNOWN_SENDER' | 'BAD_SIGNATURE' | 'DUPLICATE' | 'LATE' | 'MALFORMED';
    detail: string;
  };
}

export interface DkgInitOptions {
  /** Binds every bundle to this ceremony (e.g. the genesis ceremony id). */
  sessionId: Uint8Array;
  /** Committee, indices exactly 1..n. Every member deals and receives. */
  members: DkgMember[];
  threshold: number;
  self: { index: number; secretKey: Uint8Array };
  now: number;
  timeouts: DkgTimeouts;
}

export interface DkgReshareOptions {
  sessionId: Uint8Array;
  /** The current committee and its public DKG output. */
  previous: {
    members: DkgMember[];
    threshold: number;
    groupPublicKey: Uint8Array;
    publicShares: Uint8Array[];
  };
  /** The new committee, indices exactly 1..n'. */
  members: DkgMember[];
  threshold: number;
  /** `index`: own index in the new committee (if a member); `previous`: own old index and share (if a holder). */
  self: { secretKey: Uint8Array; index?: number; previous?: { index: number; secretShare: Uint8Array } };
  now: number;
  timeouts: DkgTimeouts;
}

const TRANSCRIPT_DOMAIN = utf8('pausenet/dkg/v1/transcript\0');

function badConfig(message: string): never {
  throw new DkgError('BAD_CONFIG', message);
}

function checkCommittee(members: DkgMember[], threshold: number, what: string): DkgMember[] {
  if (!Array.isArray(members) || members.length === 0) badConfig(`${what}: no members`);
  const sorted = [...members].sort((a, b) => a.index - b.index);
  sorted.forEach((m, i) => {
    if (m.index !== i + 1) badConfig(`${what}: indices must be exactly 1..${members.length}`);
    if (!(m.publicKey instanceof Uint8Array) || m.publicKey.length !== 32)
      badConfig(`${what}: member ${m.index} public key must be 32 bytes`);
  });
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > members.length)
    badConfig(`${what}: threshold ${threshold} must be in 1..${members.length}`);
  return sorted;
}

function checkTimeouts(t: DkgTimeouts): void {
  for (const k of ['deal', 'response', 'justification'] as const)
    if (!(typeof t?.[k] === 'number' && t[k] > 0)) badConfig(`timeouts.${k} must be a positive number of ms`);
}

function selfKeyCheck(members: DkgMember[], index: number, secretKey: Uint8Array, what: string): void {
  const m = members.find((x) => x.index === index);
  if (!m) badConfig(`${what}: self index ${index} is not a member`);
  if (!equalBytes(ed25519PublicKey(secretKey), m.publicKey))
    badConfig(`${what}: self secret key does not match member ${index}`);
}

function baseConfig(
  sessionId: Uint8Array,
  dealers: DkgMember[],
  recipients: DkgMember[],
  timeouts: DkgTimeouts,
  secretKey: Uint8Array,
): Pick<
  DkgConfig,
  | 'sessionId'
  | 'dealers'
  | 'recipients'
  | 'timeouts'
  | 'secretKey'
  | 'x25519Secret'
  | 'x25519Public'
  | 'recipientKeys'
> {
  if (!(sessionId instanceof Uint8Array) || sessionId.length === 0)
    badConfig('sessionId must be non-empty bytes');
  checkTimeouts(timeouts);
  const x25519Secret = x25519PrivateKeyObject(x25519SecretFromEd25519(secretKey));
  const recipientKeys: DkgConfig['recipientKeys'] = new Map();
  for (const r of recipients) {
    try {
      const x25519 = x25519PublicFromEd25519(r.publicKey);
      recipientKeys.set(r.index, { index: r.index, x25519, keyObject: x25519PublicKeyObject(x25519) });
    } catch {
      badConfig(`member ${r.index}: public key is not a valid Ed25519 point`);
    }
  }
  return {
    sessionId,
    dealers,
    recipients,
    timeouts,
    secretKey,
    x25519Secret,
    x25519Public: x25519PublicFromEd25519(ed25519PublicKey(secretKey)),
    recipientKeys,
  };
}

function emptyState(config: DkgConfig, polynomial: bigint[] | null, now: number): DkgState {
  return {
    config,
    phase: 'deal',
    deadline: now + config.timeouts.deal,
    polynomial,
    deals: new Map(),
    responses: new Map(),
    justifications: new Map(),
    cheaters: new Map(),
    output: null,
    failure: null,
  };
}

function makeDeal(config: DkgConfig, dealer: number, poly: readonly bigint[]): DkgDeal {
  const eph = newEphemeralKey();
  return signDkgBundle(
    {
      type: 'deal' as const,
      sessionId: config.sessionId,
      dealer,
      commitments: poly.map((a) => backend.secretToPublic(a)),
      ephemeralKey: eph.publicKey,
      shares: config.recipients.map((r) => ({
        to: r.index,
        ciphertext: encryptShare(
          scalarToBytes(evalPolynomial(poly, BigInt(r.index))),
          eph,
          config.recipientKeys.get(r.index)!,
          config.sessionId,
          dealer,
        ),
      })),
    },
    config.secretKey,
  );
}

function start(config: DkgConfig, poly: bigint[] | null, now: number): DkgStepResult {
  let state = emptyState(config, poly, now);
  const out: DkgBundle[] = [];
  if (poly && config.selfDealer !== null) {
    const deal = makeDeal(config, config.selfDealer, poly);
    out.push(deal);
    state = accept(state, deal).state;
  }
  return advance(state, now, out);
}

/** Start a fresh DKG: returns the initial state and this member's signed deal to broadcast. */
export function dkgInit(opts: DkgInitOptions): DkgStepResult {
  const members = checkCommittee(opts.members, opts.threshold, 'members');
  selfKeyCheck(members, opts.self.index, opts.self.secretKey, 'self');
  const config: DkgConfig = {
    ...baseConfig(opts.sessionId, members, members, opts.timeouts, opts.self.secretKey),
    threshold: opts.threshold,
    dealerThreshold: opts.threshold,
    previous: null,
    selfDealer: opts.self.index,
    selfRecipient: opts.self.index,
  };
  const poly = Array.from({ length: opts.threshold }, () => randomScalar());
  return start(config, poly, opts.now);
}

/** Start a reshare: old holders deal their share (as constant term) to the new committee; the group key is kept. */
export function dkgInitReshare(opts: DkgReshareOptions): DkgStepResult {
  const prev = opts.previous;
  const dealers = checkCommittee(prev.members, prev.threshold, 'previous.members');
  const recipients = checkCommittee(opts.members, opts.threshold, 'members');
  if (prev.publicShares.length !== dealers.length)
    badConfig('previous.publicShares must have one entry per previous member');
  try {
    backend.checkG1(prev.groupPublicKey, false);
    for (const p of prev.publicShares) backend.checkG1(p, false);
  } catch {
    badConfig('previous group key / public shares must be valid G1 points');
  }
  const self = opts.self;
  if (self.index === undefined && self.previous === undefined)
    badConfig('self must be an old holder, a new member, or both');
  if (self.index !== undefined) selfKeyCheck(recipients, self.index, self.secretKey, 'self.index');
  let poly: bigint[] | null = null;
  if (self.previous) {
    selfKeyCheck(dealers, self.previous.index, self.secretKey, 'self.previous.index');
    let share: bigint;
    try {
      share = parseSecret(self.previous.secretShare);
    } catch {
      badConfig('self.previous.secretShare is not a valid scalar');
    }
    if (!equalBytes(backend.secretToPublic(share), prev.publicShares[self.previous.index - 1]!))
      badConfig('self.previous.secretShare does not match its public share');
    poly = [share, ...Array.from({ length: opts.threshold - 1 }, () => randomScalar())];
  }
  const config: DkgConfig = {
    ...baseConfig(opts.sessionId, dealers, recipients, opts.timeouts, self.secretKey),
    threshold: opts.threshold,
    dealerThreshold: prev.threshold,
    previous: { groupPublicKey: prev.groupPublicKey, publicShares: prev.publicShares },
    selfDealer: self.previous?.index ?? null,
    selfRecipient: self.index ?? null,
  };
  return start(config, poly, opts.now);
}

/** Advance the ceremony with an incoming bundle or a clock tick. Never throws on bad bundles: they are ignored. */
export function dkgStep(state: DkgState, event: DkgEvent, now: number): DkgStepResult {
  if (state.phase === 'done' || state.phase === 'failed') return { state, out: [] };
  const out: DkgBundle[] = [];
  let ignored: DkgStepResult['ignored'];
  let rejected: DkgStepResult['rejected'];
  let next = state;
  if (event.type === 'bundle') {
    const r = accept(state, event.bundle);
    next = r.state;
    ignored = r.ignored;
    rejected = r.rejected;
  }
  const res = advance(next, now, out);
  return { ...res, ...(ignored && { ignored }), ...(rejected && { rejected }) };
}

// ---------------------------------------------------------------------------------------------

function clone(s: DkgState): { -readonly [K in keyof DkgState]: DkgState[K] } & {
  deals: Map<number, DealRecord>;
  responses: Map<number, DkgResponse>;
  justifications: Map<number, DkgJustification>;
  cheaters: Map<number, DkgExclusionReason>;
} {
  return {
    ...s,
    deals: new Map(s.deals),
    responses: new Map(s.responses),
    justifications: new Map(s.justifications),
    cheaters: new Map(s.cheaters),
  };
}

function shareMatches(commitments: Uint8Array[], index: number, share: bigint): boolean {
  if (share === 0n || share >= CURVE_ORDER) return false;
  return equalBytes(backend.secretToPublic(share), backend.g1EvaluatePolynomial(commitments, index));
}

function bytesToScalar(b: Uint8Array): bigint {
  return BigInt(`0x${toHex(b) || '0'}`);
}

/** Structural and commitment checks of a deal that are attributable to its (signing) dealer. */
function dealFault(c: DkgConfig, d: DkgDeal): DkgExclusionReason | null {
  if (d.commitments.length !== c.threshold) return 'BAD_DEAL';
  if (d.shares.length !== c.recipients.length) return 'BAD_DEAL';
  for (let i = 0; i < d.shares.length; i++) if (d.shares[i]!.to !== c.recipients[i]!.index) return 'BAD_DEAL';
  try {
    for (const cm of d.commitments) backend.checkG1(cm, false);
  } catch {
    return 'BAD_COMMITMENT';
  }
  // [reshare] the constant term must commit to the dealer's old share (docs/protocol.md "Resharing").
  if (c.previous && !equalBytes(d.commitments[0]!, c.previous.publicShares[d.dealer - 1]!))
    return 'RESHARE_MISMATCH';
  return null;
}

const FAULT_DETAIL: Partial<Record<DkgExclusionReason, string>> = {
  BAD_DEAL: 'deal has the wrong number of commitments or shares, or shares out of recipient order',
  BAD_COMMITMENT: 'a commitment is not a valid non-infinity G1 point',
  RESHARE_MISMATCH: "constant-term commitment differs from the dealer's old public share",
  EQUIVOCATION: 'two different signed deals',
};

function rejection(dealer: number, reason: DkgExclusionReason): NonNullable<DkgStepResult['rejected']> {
  return { dealer, reason, detail: `dealer ${dealer}: ${FAULT_DETAIL[reason] ?? reason}` };
}

function accept(
  state: DkgState,
  bundle: DkgBundle,
): { state: DkgState; ignored?: DkgStepResult['ignored']; rejected?: DkgStepResult['rejected'] } {
  const c = state.config;
  if (!(bundle?.sessionId instanceof Uint8Array) || !equalBytes(bundle.sessionId, c.sessionId))
    return { state, ignored: { code: 'WRONG_SESSION', detail: 'bundle is for another session' } };
  const sender = bundle.type === 'response' ? bundle.from : bundle.dealer;
  const roster = bundle.type === 'response' ? c.recipients : c.dealers;
  const member = roster.find((m) => m.index === sender);
  if (!member)
    return {
      state,
      ignored: { code: 'UNKNOWN_SENDER', detail: `${bundle.type} from unknown index ${sender}` },
    };
  if (!verifyDkgBundleSignature(bundle, member.publicKey))
    return { state, ignored: { code: 'BAD_SIGNATURE', detail: `${bundle.type} from ${sender}` } };
  const s = clone(state);
  switch (bundle.type) {
    case 'deal': {
      const prior = s.deals.get(bundle.dealer);
      if (prior) {
        if (equalBytes(encodeDkgBundle(prior.bundle), encodeDkgBundle(bundle)))
          return { state, ignored: { code: 'DUPLICATE', detail: `deal from ${sender}` } };
        // Two different signed deals: self-proving equivocation.
        s.cheaters.set(bundle.dealer, 'EQUIVOCATION');
        return { state: s, rejected: rejection(bundle.dealer, 'EQUIVOCATION') };
      }
      const fault = dealFault(c, bundle);
      let myShare: bigint | null | undefined;
      if (fault) {
        s.cheaters.set(bundle.dealer, fault);
      } else if (c.selfRecipient !== null) {
        const enc = bundle.shares.find((x) => x.to === c.selfRecipient)!;
        const plain = decryptShare(
          enc.ciphertext,
          bundle.ephemeralKey,
          c.x25519Secret,
          c.x25519Public,
          c.sessionId,
          bundle.dealer,
          c.selfRecipient,
        );
        const share = plain ? bytesToScalar(plain) : null;
        myShare = share !== null && shareMatches(bundle.commitments, c.selfRecipient, share) ? share : null;
      }
      s.deals.set(bundle.dealer, { bundle, myShare });
      return fault ? { state: s, rejected: rejection(bundle.dealer, fault) } : { state: s };
    }
    case 'response': {
      if (s.phase !== 'deal' && s.phase !== 'response')
        return {
          state,
          ignored: { code: 'LATE', detail: `response from ${sender} after the response phase` },
        };
      if (s.responses.has(bundle.from))
        return { state, ignored: { code: 'DUPLICATE', detail: `response from ${sender}` } };
      const ok = bundle.complaints.every(
        (d, i) => c.dealers.some((m) => m.index === d) && (i === 0 || d > bundle.complaints[i - 1]!),
      );
      if (!ok)
        return {
          state,
          ignored: { code: 'MALFORMED', detail: `response from ${sender}: bad complaint list` },
        };
      s.responses.set(bundle.from, bundle);
      return { state: s };
    }
    case 'justification': {
      if (s.justifications.has(bundle.dealer))
        return { state, ignored: { code: 'DUPLICATE', detail: `justification from ${sender}` } };
      s.justifications.set(bundle.dealer, bundle);
      return { state: s };
    }
  }
}

/** Complaints per dealer (only dealers still in the running). */
function complaintsByDealer(s: DkgState): Map<number, number[]> {
  const byDealer = new Map<number, number[]>();
  for (const r of [...s.responses.values()].sort((a, b) => a.from - b.from)) {
    for (const d of r.complaints) {
      if (s.cheaters.has(d)) continue;
      const list = byDealer.get(d) ?? [];
      list.push(r.from);
      byDealer.set(d, list);
    }
  }
  return byDealer;
}

function advance(state: DkgState, now: number, out: DkgBundle[]): DkgStepResult {
  let s = state;
  const c = s.config;
  for (;;) {
    if (s.phase === 'deal') {
      const complete = c.dealers.every((d) => s.deals.has(d.index) || s.cheaters.has(d.index));
      if (!complete && now < s.deadline) break;
      s = { ...s, phase: 'response', deadline: now + c.timeouts.response };
      if (c.selfRecipient !== null) {
        const complaints = c.dealers
          .map((d) => d.index)
          .filter((d) => !s.cheaters.has(d) && (s.deals.get(d)?.myShare ?? null) === null);
        const response = signDkgBundle(
          { type: 'response' as const, sessionId: c.sessionId, from: c.selfRecipient, complaints },
          c.secretKey,
        );
        out.push(response);
        s = accept(s, response).state;
      }
      continue;
    }
    if (s.phase === 'response') {
      const complete = c.recipients.every((r) => s.responses.has(r.index));
      if (!complete && now < s.deadline) break;
      const complaints = complaintsByDealer(s);
      if (complaints.size === 0) return finish(s, out);
      s = { ...s, phase: 'justification', deadline: now + c.timeouts.justification };
      const mine = c.selfDealer !== null ? complaints.get(c.selfDealer) : undefined;
      if (mine && s.polynomial) {
        const poly = s.polynomial;
        const justification = signDkgBundle(
          {
            type: 'justification' as const,
            sessionId: c.sessionId,
            dealer: c.selfDealer!,
            shares: mine.map((to) => ({ to, share: scalarToBytes(evalPolynomial(poly, BigInt(to))) })),
          },
          c.secretKey,
        );
        out.push(justification);
        s = accept(s, justification).state;
      }
      continue;
    }
    if (s.phase === 'justification') {
      const complaints = complaintsByDealer(s);
      const complete = [...complaints.keys()].every((d) => s.justifications.has(d) || !s.deals.has(d));
      if (!complete && now < s.deadline) break;
      return finish(s, out);
    }
    break;
  }
  return { state: s, out };
}

function transcriptHash(s: DkgState): Uint8Array {
  const h = createHash('sha256');
  h.update(TRANSCRIPT_DOMAIN);
  h.update(u32(s.config.sessionId.length));
  h.update(s.config.sessionId);
  // Everything the outcome depends on, so anyone can replay it: all deals, the responses that
  // carry complaints (an empty response changes nothing, and a late one would only make honest
  // transcripts differ), all justifications.
  const bundles: DkgBundle[] = [
    ...[...s.deals.values()].map((d) => d.bundle).sort((a, b) => a.dealer - b.dealer),
    ...[...s.responses.values()].filter((r) => r.complaints.length > 0).sort((a, b) => a.from - b.from),
    ...[...s.justifications.values()].sort((a, b) => a.dealer - b.dealer),
  ];
  for (const b of bundles) {
    const enc = encodeDkgBundle(b);
    h.update(u32(enc.length));
    h.update(enc);
  }
  return new Uint8Array(h.digest());
}

function fail(s: DkgState, out: DkgBundle[], failure: Omit<DkgFailure, 'error'>): DkgStepResult {
  const full: DkgFailure = { ...failure, error: new DkgError(failure.code, failure.message) };
  return { state: { ...s, phase: 'failed', polynomial: null, failure: full }, out, failed: full };
}

function finish(s: DkgState, out: DkgBundle[]): DkgStepResult {
  const c = s.config;
  const complaints = complaintsByDealer(s);
  const qualified: number[] = [];
  const excluded: DkgExclusion[] = [];
  const missing: number[] = [];
  const revealed = new Map<number, bigint>(); // own share revealed by a justification, per dealer
  for (const { index: d } of c.dealers) {
    const cheat = s.cheaters.get(d);
    const deal = s.deals.get(d);
    if (cheat) {
      excluded.push({ dealer: d, reason: cheat });
      continue;
    }
    if (!deal) {
      missing.push(d);
      excluded.push({ dealer: d, reason: 'NO_DEAL' });
      continue;
    }
    let reason: DkgExclusionReason | null = null;
    const just = s.justifications.get(d);
    for (const j of complaints.get(d) ?? []) {
      const shown = just?.shares.find((x) => x.to === j);
      if (!shown) {
        reason = 'NO_JUSTIFICATION';
        break;
      }
      const value = bytesToScalar(shown.share);
      if (!shareMatches(deal.bundle.commitments, j, value)) {
        reason = 'BAD_JUSTIFICATION';
        break;
      }
      if (j === c.selfRecipient) revealed.set(d, value);
    }
    if (reason) excluded.push({ dealer: d, reason });
    else qualified.push(d);
  }
  const cheaters = excluded.filter((e) => e.reason !== 'NO_DEAL');
  const who = `missing: [${missing.join(', ')}]; cheated: [${cheaters.map((e) => `${e.dealer} (${e.reason})`).join(', ')}]`;
  if (qualified.length < c.dealerThreshold)
    return fail(s, out, {
      code: 'NOT_ENOUGH_QUALIFIED',
      message: `only ${qualified.length} dealers qualified, ${c.dealerThreshold} needed; ${who}`,
      qualified,
      missing,
      cheaters,
    });

  // Fresh DKG: plain sum of the qualified polynomials. Reshare: Lagrange-weighted sum, whose
  // constant term is the old group secret.
  const weights = c.previous ? lagrangeAtZero(qualified) : qualified.map(() => 1n);
  const commitments = Array.from({ length: c.threshold }, (_, k) =>
    backend.g1LinearCombination(
      qualified.map((d) => s.deals.get(d)!.bundle.commitments[k]!),
      weights,
    ),
  );
  const groupPublicKey = commitments[0]!;
  if (c.previous && !equalBytes(groupPublicKey, c.previous.groupPublicKey))
    return fail(s, out, {
      code: 'GROUP_KEY_MISMATCH',
      message: 'reshared commitments do not reproduce the previous group key',
      qualified,
      missing,
      cheaters,
    });
  const publicShares = c.recipients.map((r) => backend.g1EvaluatePolynomial(commitments, r.index));

  let secretShare: Uint8Array = new Uint8Array(0);
  if (c.selfRecipient !== null) {
    let acc = 0n;
    for (let i = 0; i < qualified.length; i++) {
      const d = qualified[i]!;
      const share = s.deals.get(d)!.myShare ?? revealed.get(d) ?? null;
      if (share === null)
        return fail(s, out, {
          code: 'MISSING_SHARE',
          message: `no valid share from qualified dealer ${d} (own complaint not seen by the dealer?); ${who}`,
          qualified,
          missing,
          cheaters,
        });
      acc = Fr.add(acc, Fr.mul(weights[i]!, share));
    }
    secretShare = scalarToBytes(acc);
    if (!equalBytes(backend.secretToPublic(acc), publicShares[c.selfRecipient - 1]!))
      return fail(s, out, {
        code: 'MISSING_SHARE',
        message: 'own secret share does not match its public share',
        qualified,
        missing,
        cheaters,
      });
  }
  const output: DkgOutput = {
    groupPublicKey,
    publicShares,
    secretShare,
    index: c.selfRecipient,
    threshold: c.threshold,
    qualified,
    excluded,
    transcriptHash: transcriptHash(s),
  };
  return { state: { ...s, phase: 'done', polynomial: null, output }, out, done: output };
}
