// Over 400 lines on purpose: the setup ceremony as one pure state machine (turns, contributions,
// verification, preparation of phase 2, finish); its transitions share one state and its checks.
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519PublicKey, toHex } from '@pausenet/crypto';
import { ZkError } from '../errors.js';
import { loadSnarkjs, snarkjs } from '../snarkjs-load.js';
import { encodeVerificationKey, type VerificationKeyJson } from '../vkey.js';
import { signContribution, verifyContributionSignature } from './codec.js';
import { extendsByOne, r1csSize, readBinFile } from './files.js';
import type {
  SetupContribution,
  SetupEvent,
  SetupExclusion,
  SetupFailure,
  SetupMember,
  SetupOutput,
} from './types.js';

/**
 * The Groth16 setup ceremony among the labs as a state machine, like the DKG: phase 1 (powers of
 * tau, universal) then phase 2 (circuit-specific), each a chain of contributions in member-index
 * order. Between them one member (index order, the next one if it fails or times out) computes the
 * Lagrange form of the final powers of tau that phase 2 needs; everyone else checks it with snarkjs
 * (measured ~85x cheaper than computing it at 2^13; computing it dominates the ceremony). Every participant verifies every contribution with snarkjs and checks that it extends the
 * current head by exactly one record; a bad or late contribution excludes its member and the chain
 * continues from the last good head. The resulting key is sound if at least one accepted
 * contributor in each phase was honest (it destroyed its secret), hence minContributors = t.
 *
 * Time enters only as `now`; snarkjs' work is asynchronous (its curve code may use worker threads),
 * so init/step return promises. Own contributions mix the injected entropy with snarkjs' CSPRNG.
 */

export interface SetupOptions {
  /** 32 bytes binding every contribution (the genesis ceremony id). */
  sessionId: Uint8Array;
  /** Indices exactly 1..n; contributions follow this order in both phases. */
  members: SetupMember[];
  /** Accepted contributions needed in each phase (the genesis threshold t). */
  minContributors: number;
  /** The compiled circuit (.r1cs). */
  r1cs: Uint8Array;
  /** log2 of the powers of tau; 2^power must exceed constraints + public inputs. */
  power: number;
  /** Own identity and 64 bytes of entropy (32 per phase); null for a verifying observer. */
  self: { index: number; secretKey: Uint8Array; entropy: Uint8Array } | null;
  /** How long each member's turn may take (ms) before it is skipped. */
  turnTimeoutMs: number;
  /** How long the member preparing phase 2 may take (ms); it is minutes at 2^13 on a small VM. */
  prepareTimeoutMs: number;
  now: number;
  /**
   * Memo for the deterministic steps (preparing phase 2, the initial proving key), keyed by their
   * inputs' hashes. A node passes nothing; an in-process driver may share one between members.
   */
  cache?: Map<string, Uint8Array>;
}

/** Opaque ceremony state (treat as immutable). */
export interface SetupState {
  readonly opts: SetupOptions;
  readonly phase: 1 | 'prepare' | 2 | 'done' | 'failed';
  /** Current head file (.ptau in phase 1, .zkey in phase 2) and its hash. */
  readonly head: Uint8Array;
  readonly headHash: Uint8Array;
  /** Position in `members` whose turn it is. */
  readonly turn: number;
  readonly deadline: number;
  readonly phase1: { index: number; dataHash: Uint8Array }[];
  readonly phase2: { index: number; dataHash: Uint8Array }[];
  readonly excluded: SetupExclusion[];
  /** Phase-1 result prepared for phase 2, and the initial (contribution-free) proving key. */
  readonly prepared: Uint8Array | null;
  readonly initialKey: Uint8Array | null;
  readonly output: SetupOutput | null;
  readonly failure: SetupFailure | null;
  /**
   * Validly signed messages for a later turn (the network may deliver a member's phase-2
   * contribution before the prepared file it builds on): kept, at most one per turn, and processed
   * when their turn comes.
   */
  readonly pending: ReadonlyMap<string, SetupContribution>;
}

export interface SetupStepResult {
  state: SetupState;
  /** Own contribution(s) to broadcast to every participant. */
  out: SetupContribution[];
  done?: SetupOutput;
  failed?: SetupFailure;
  /** A message that was dropped without judging its sender (wrong session, not its turn, ...). */
  /** A message for a later turn, kept until its turn comes. */
  queued?: boolean;
  ignored?: {
    code: 'WRONG_SESSION' | 'UNKNOWN_SENDER' | 'BAD_SIGNATURE' | 'LATE' | 'DUPLICATE' | 'FINISHED';
    detail: string;
  };
  /** Contributions judged invalid in this step: their members are excluded from that phase. */
  rejected?: SetupExclusion[];
}

const TRANSCRIPT_DOMAIN = new TextEncoder().encode('pausenet/zk/v1/setup-transcript\0');
const mem = (data?: Uint8Array) => (data ? { type: 'mem' as const, data } : { type: 'mem' as const });
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function bad(message: string): never {
  throw new ZkError('BAD_CONFIG', message);
}

async function written(
  fn: (out: { type: 'mem'; data?: Uint8Array }) => Promise<unknown>,
): Promise<Uint8Array> {
  const out = mem();
  await fn(out);
  if (!out.data) throw new ZkError('PROVER_FAILED', 'snarkjs wrote no data');
  // fastfile's memory file may be larger than what was written; it trims on close.
  return new Uint8Array(out.data);
}

async function memo(
  cache: Map<string, Uint8Array> | undefined,
  key: string,
  fn: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const hit = cache?.get(key);
  if (hit) return hit;
  const v = await fn();
  cache?.set(key, v);
  return v;
}

function checkOptions(o: SetupOptions): void {
  if (!(o.sessionId instanceof Uint8Array) || o.sessionId.length !== 32) bad('sessionId must be 32 bytes');
  if (!Array.isArray(o.members) || o.members.length === 0) bad('no members');
  o.members.forEach((m, i) => {
    if (m.index !== i + 1) bad('members must be listed by index 1..n');
    if (!(m.publicKey instanceof Uint8Array) || m.publicKey.length !== 32)
      bad(`member ${m.index}: public key must be 32 bytes`);
  });
  if (!Number.isInteger(o.minContributors) || o.minContributors < 1 || o.minContributors > o.members.length)
    bad(`minContributors must be in 1..${o.members.length}`);
  if (!Number.isInteger(o.power) || o.power < 1 || o.power > 20) bad('power must be in 1..20');
  const size = r1csSize(o.r1cs);
  if (!size) bad('r1cs is not an .r1cs file');
  if (size.constraints + size.publicInputs + 1 > 2 ** o.power)
    bad(`the circuit needs 2^power > ${size.constraints + size.publicInputs}: raise power`);
  if (!(o.turnTimeoutMs > 0)) bad('turnTimeoutMs must be positive');
  if (!(o.prepareTimeoutMs > 0)) bad('prepareTimeoutMs must be positive');
  if (o.self) {
    const m = o.members.find((x) => x.index === o.self?.index);
    if (!m) bad(`self index ${o.self.index} is not a member`);
    if (!eq(ed25519PublicKey(o.self.secretKey), m.publicKey))
      bad('self secret key does not match its member key');
    if (!(o.self.entropy instanceof Uint8Array) || o.self.entropy.length !== 64)
      bad('self.entropy must be 64 random bytes');
  }
}

/** Start the ceremony: build the initial accumulator; member 1 contributes at once. */
export async function setupInit(opts: SetupOptions): Promise<SetupStepResult> {
  checkOptions(opts);
  await loadSnarkjs();
  const curve = await snarkjs().curves.getCurveFromName('bn128');
  const head = await memo(opts.cache, `ptau0:${opts.power}`, () =>
    written((out) => snarkjs().powersOfTau.newAccumulator(curve, opts.power, out)),
  );
  const state: SetupState = {
    opts,
    phase: 1,
    head,
    headHash: sha256(head),
    turn: 0,
    deadline: opts.now + opts.turnTimeoutMs,
    phase1: [],
    phase2: [],
    excluded: [],
    prepared: null,
    initialKey: null,
    output: null,
    failure: null,
    pending: new Map(),
  };
  return afterTurn({ state, out: [] }, opts.now, 0);
}

/** Feed one event (a received contribution or prepared file, or a clock tick). */
export async function setupStep(state: SetupState, event: SetupEvent, now: number): Promise<SetupStepResult> {
  if (state.phase === 'done' || state.phase === 'failed')
    return { state, out: [], ignored: { code: 'FINISHED', detail: 'the ceremony is over' } };
  // Before any verification: a missing snarkjs must not be mistaken for a bad contribution.
  await loadSnarkjs();
  const exclusionPhase = state.phase === 2 ? 2 : 1;
  if (event.type === 'tick') {
    if (now < state.deadline) return { state, out: [] };
    const m = state.opts.members[state.turn] as SetupMember;
    const exclusion: SetupExclusion = {
      phase: exclusionPhase,
      index: m.index,
      reason: 'TIMEOUT',
      detail:
        state.phase === 'prepare'
          ? 'it did not deliver the prepared phase-1 file in time'
          : 'its turn passed',
    };
    const excluded = [...state.excluded, exclusion];
    return afterTurn({ state: { ...state, excluded }, out: [] }, now, state.turn + 1);
  }
  const msg = event.message;
  const o = state.opts;
  const ignore = (
    code: NonNullable<SetupStepResult['ignored']>['code'],
    detail: string,
  ): SetupStepResult => ({
    state,
    out: [],
    ignored: { code, detail },
  });
  if (!eq(msg.sessionId, o.sessionId)) return ignore('WRONG_SESSION', 'another ceremony');
  const member = o.members.find((m) => m.index === msg.index);
  if (!member) return ignore('UNKNOWN_SENDER', `no member ${msg.index}`);
  if (!verifyContributionSignature(msg, member.publicKey))
    return ignore('BAD_SIGNATURE', `not signed by member ${msg.index}`);
  const here = position(state.phase, state.turn);
  const there = position(msg.type === 'prepared' ? 'prepare' : msg.phase, o.members.indexOf(member));
  if (there < here) return ignore('LATE', `${msg.type} of member ${msg.index} for a turn already passed`);
  if (there > here) {
    const key = String(there);
    if (state.pending.has(key)) return ignore('DUPLICATE', `a message for that turn is already queued`);
    const pending = new Map(state.pending).set(key, msg);
    return { state: { ...state, pending }, out: [], queued: true };
  }
  return judge(state, msg, now);
}

/** Order of turns: phase 1 members, the prepare step's members, then phase 2 members. */
function position(phase: SetupState['phase'], turn: number): number {
  const base = phase === 1 ? 0 : phase === 'prepare' ? 1 : 2;
  return base * 0x10000 + turn;
}

/** Judge the message of the member whose turn it is. */
async function judge(state: SetupState, msg: SetupContribution, now: number): Promise<SetupStepResult> {
  const problem = !eq(msg.prev, state.headHash)
    ? { reason: 'WRONG_PREV' as const, detail: 'extends another file than the current head' }
    : state.phase === 'prepare'
      ? await verifyPrepared(state, msg.data)
      : await verifyContribution(state, msg.data);
  if (problem) {
    const rejected: SetupExclusion = { phase: state.phase === 2 ? 2 : 1, index: msg.index, ...problem };
    const excluded = [...state.excluded, rejected];
    const r = await afterTurn({ state: { ...state, excluded }, out: [] }, now, state.turn + 1);
    return { ...r, rejected: [rejected, ...(r.rejected ?? [])] };
  }
  if (state.phase === 'prepare')
    return afterTurn({ state: await enterPhase2(state, msg.data, now), out: [] }, now, 0);
  return afterTurn({ state: accept(state, msg.index, msg.data), out: [] }, now, state.turn + 1);
}

/** The prepared file keeps the final accumulator (sections 1-7) and passes snarkjs' check of its Lagrange sections. */
async function verifyPrepared(
  state: SetupState,
  data: Uint8Array,
): Promise<{ reason: 'BAD_PREPARED'; detail: string } | null> {
  const head = readBinFile(state.head);
  const prepared = readBinFile(data);
  if (!head || !prepared || prepared.magic !== 'ptau')
    return { reason: 'BAD_PREPARED', detail: 'not a .ptau file' };
  for (let section = 1; section <= 7; section++) {
    const a = head.sections.get(section);
    const b = prepared.sections.get(section);
    if (!a || !b || a.length !== 1 || b.length !== 1 || !eq(a[0] as Uint8Array, b[0] as Uint8Array))
      return { reason: 'BAD_PREPARED', detail: `section ${section} differs from the final powers of tau` };
  }
  for (const section of [12, 13, 14, 15])
    if (prepared.sections.get(section)?.length !== 1)
      return { reason: 'BAD_PREPARED', detail: `no Lagrange section ${section}` };
  let ok = false;
  try {
    ok = await snarkjs().powersOfTau.verify(mem(data));
  } catch (e) {
    return { reason: 'BAD_PREPARED', detail: `snarkjs: ${(e as Error)?.message ?? String(e)}` };
  }
  return ok ? null : { reason: 'BAD_PREPARED', detail: 'snarkjs rejects the Lagrange sections' };
}

async function verifyContribution(
  state: SetupState,
  data: Uint8Array,
): Promise<{ reason: 'BAD_CONTRIBUTION'; detail: string } | null> {
  const kind = state.phase === 1 ? 'ptau' : 'zkey';
  const chain = extendsByOne(kind, state.head, data);
  if (chain) return { reason: 'BAD_CONTRIBUTION', detail: chain };
  let ok = false;
  try {
    ok =
      state.phase === 1
        ? await snarkjs().powersOfTau.verify(mem(data))
        : await snarkjs().zKey.verifyFromInit(
            mem(state.initialKey as Uint8Array),
            mem(state.prepared as Uint8Array),
            mem(data),
          );
  } catch (e) {
    return { reason: 'BAD_CONTRIBUTION', detail: `snarkjs: ${(e as Error)?.message ?? String(e)}` };
  }
  return ok
    ? null
    : {
        reason: 'BAD_CONTRIBUTION',
        detail: `snarkjs rejects the ${kind === 'ptau' ? 'powers of tau' : 'proving key'}`,
      };
}

function accept(state: SetupState, index: number, data: Uint8Array): SetupState {
  const rec = { index, dataHash: sha256(data) };
  return {
    ...state,
    head: data,
    headHash: sha256(data),
    phase1: state.phase === 1 ? [...state.phase1, rec] : state.phase1,
    phase2: state.phase === 2 ? [...state.phase2, rec] : state.phase2,
  };
}

/** Continue at turn `next`: contribute when it is our turn, and move through the phases. */
async function afterTurn(r: SetupStepResult, now: number, next: number): Promise<SetupStepResult> {
  let state = r.state;
  const out = [...r.out];
  const o = state.opts;
  for (;;) {
    if (next >= o.members.length) {
      const finished = await finishPhase({ ...state, turn: next }, now);
      if (finished.phase === 'done') return { state: finished, out, done: finished.output as SetupOutput };
      if (finished.phase === 'failed')
        return { state: finished, out, failed: finished.failure as SetupFailure };
      state = finished;
      next = 0;
    }
    const timeout = state.phase === 'prepare' ? o.prepareTimeoutMs : o.turnTimeoutMs;
    state = { ...state, turn: next, deadline: now + timeout };
    const self = o.self;
    if (!self || (o.members[next] as SetupMember).index !== self.index) {
      const key = String(position(state.phase, next));
      const queued = state.pending.get(key);
      if (!queued) return { state, out };
      const pending = new Map(state.pending);
      pending.delete(key);
      const r2 = await judge({ ...state, pending }, queued, now);
      return {
        ...r2,
        out: [...out, ...r2.out],
        ...(r.rejected ? { rejected: [...r.rejected, ...(r2.rejected ?? [])] } : {}),
      };
    }
    if (state.phase === 'prepare') {
      const head = state.head;
      const prepared = await memo(o.cache, `prepared:${toHex(state.headHash)}`, () =>
        written((f) => snarkjs().powersOfTau.preparePhase2(mem(head), f)),
      );
      out.push(
        signContribution(
          {
            type: 'prepared',
            sessionId: o.sessionId,
            phase: 1,
            index: self.index,
            prev: state.headHash,
            data: prepared,
          },
          self.secretKey,
        ),
      );
      state = await enterPhase2(state, prepared, now);
      next = 0;
      continue;
    }
    const msg = await contribute(state, self);
    out.push(msg);
    state = accept(state, self.index, msg.data);
    next += 1;
  }
}

/** Phase 2 starts from the initial proving key, which every participant derives itself (deterministic). */
async function enterPhase2(state: SetupState, prepared: Uint8Array, now: number): Promise<SetupState> {
  const o = state.opts;
  const initialKey = await memo(o.cache, `zkey0:${toHex(sha256(o.r1cs))}:${toHex(sha256(prepared))}`, () =>
    written((f) => snarkjs().zKey.newZKey(mem(o.r1cs), mem(prepared), f)),
  );
  return {
    ...state,
    phase: 2,
    prepared,
    initialKey,
    head: initialKey,
    headHash: sha256(initialKey),
    turn: 0,
    deadline: now + o.turnTimeoutMs,
  };
}

async function contribute(
  state: SetupState,
  self: NonNullable<SetupOptions['self']>,
): Promise<SetupContribution> {
  const phase = state.phase as 1 | 2;
  const entropy = toHex(self.entropy.subarray(phase === 1 ? 0 : 32, phase === 1 ? 32 : 64));
  const name = `pausenet member ${self.index}`;
  const data =
    phase === 1
      ? await written((out) => snarkjs().powersOfTau.contribute(mem(state.head), out, name, entropy))
      : await written((out) => snarkjs().zKey.contribute(mem(state.head), out, name, entropy));
  return signContribution(
    {
      type: 'contribution',
      sessionId: state.opts.sessionId,
      phase,
      index: self.index,
      prev: state.headHash,
      data,
    },
    self.secretKey,
  );
}

async function finishPhase(state: SetupState, now: number): Promise<SetupState> {
  if (state.phase === 'prepare') {
    const failure: SetupFailure = {
      code: 'NOT_PREPARED',
      message: 'no member delivered a valid prepared phase-1 file',
      phase: 1,
      contributors: state.phase1.map((c) => c.index),
      excluded: state.excluded,
    };
    return { ...state, phase: 'failed', failure };
  }
  const phase = state.phase as 1 | 2;
  const accepted = phase === 1 ? state.phase1 : state.phase2;
  if (accepted.length < state.opts.minContributors) {
    const failure: SetupFailure = {
      code: 'NOT_ENOUGH_CONTRIBUTIONS',
      message: `phase ${phase}: ${accepted.length} accepted contributions < ${state.opts.minContributors} needed`,
      phase,
      contributors: accepted.map((c) => c.index),
      excluded: state.excluded,
    };
    return { ...state, phase: 'failed', failure };
  }
  if (state.phase === 1)
    return { ...state, phase: 'prepare', turn: 0, deadline: now + state.opts.prepareTimeoutMs };
  const verificationKey = (await snarkjs().zKey.exportVerificationKey(
    mem(state.head),
  )) as VerificationKeyJson;
  const verificationKeyBytes = encodeVerificationKey(verificationKey);
  const output: SetupOutput = {
    verificationKey,
    verificationKeyBytes,
    provingKey: state.head,
    transcriptHash: transcriptHash(state, verificationKeyBytes),
    contributors: { phase1: state.phase1.map((c) => c.index), phase2: state.phase2.map((c) => c.index) },
    excluded: state.excluded,
  };
  return { ...state, phase: 'done', output };
}

/**
 * SHA-256(domain ‖ sessionId ‖ SHA-256(r1cs) ‖ u8 power ‖ for each phase: u16be count ‖
 * (u16be index ‖ SHA-256(data)) per accepted contribution ‖ SHA-256(verification key bytes)).
 */
function transcriptHash(state: SetupState, vkBytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [
    TRANSCRIPT_DOMAIN,
    state.opts.sessionId,
    sha256(state.opts.r1cs),
    Uint8Array.of(state.opts.power),
  ];
  for (const list of [state.phase1, state.phase2]) {
    parts.push(Uint8Array.of(list.length >> 8, list.length & 0xff));
    for (const c of list) parts.push(Uint8Array.of(c.index >> 8, c.index & 0xff), c.dataHash);
  }
  parts.push(sha256(vkBytes));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return sha256(buf);
}
