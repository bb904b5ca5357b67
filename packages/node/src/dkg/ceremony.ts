import type { PeerId } from '@libp2p/interface';
import {
  type DkgBundle,
  type DkgFailure,
  type DkgOutput,
  type DkgState,
  type DkgTimeouts,
  decodeDkgBundle,
  dkgInit,
  dkgStep,
  encodeDkgBundle,
  verifyDkgBundleSignature,
} from '@pausenet/crypto';
import { ceremonyIdOf, type DkgResult, type Genesis, toHex } from '@pausenet/protocol';
import type { PausenetLibp2p } from '../host.js';
import { DkgTransport, envelopeLimits } from './transport.js';
import { bundleEnvelope, decodeFinish, ENVELOPE_BUNDLE, ENVELOPE_FINISH, encodeFinish } from './wire.js';

/** Why a ceremony failed; the message names the members (lab ids) who were missing or cheated. */
export type DkgCeremonyErrorCode =
  | 'DKG_FAILED'
  | 'TRANSCRIPT_MISMATCH'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'NOT_A_MEMBER';

export class DkgCeremonyError extends Error {
  override readonly name = 'DkgCeremonyError';
  constructor(
    readonly code: DkgCeremonyErrorCode,
    message: string,
    readonly detail: { missing?: string[]; cheaters?: { lab: string; reason: string }[] } = {},
  ) {
    super(message);
  }
}

/** Progress of a ceremony, for the CLI to print. */
export type DkgProgress =
  | { type: 'connecting'; connected: string[]; waitingFor: string[] }
  | { type: 'started'; members: number; threshold: number }
  | { type: 'phase'; phase: string }
  | { type: 'deal'; from: string }
  | { type: 'response'; from: string; complaints: string[] }
  | { type: 'justification'; from: string; revealed: number }
  | {
      type: 'computed';
      groupPublicKey: Uint8Array;
      transcriptHash: Uint8Array;
      qualified: string[];
      excluded: { lab: string; reason: string }[];
    }
  | { type: 'attested'; from: string; agrees: boolean }
  | { type: 'lingering'; ms: number };

export interface DkgCeremonyOptions {
  /** A started libp2p host (createHost) listening on this member's genesis address. */
  host: PausenetLibp2p;
  /** Genesis without (or ignoring) its dkg slot; ceremonyIdOf(genesis) binds the session. */
  genesis: Genesis;
  self: { index: number; identitySecretKey: Uint8Array };
  /** Phase timeouts (each phase ends early once every expected bundle arrived). */
  timeouts?: Partial<DkgTimeouts>;
  /** Wait this long for every member to be reachable before dealing anyway (default 60 s). */
  connectTimeoutMs?: number;
  /** Poll peers and tick the state machine this often (default 300 ms). */
  pollMs?: number;
  /** Wait this long for every member's finish attestation (default 20 s). */
  finishTimeoutMs?: number;
  /** Keep serving bundles this long after finishing so slower peers can fetch them (default 1500 ms). */
  lingerMs?: number;
  onProgress?: (p: DkgProgress) => void;
  now?: () => number;
  signal?: AbortSignal;
}

export interface DkgCeremonyResult {
  /** Goes into genesis.dkg. */
  result: DkgResult;
  /** The full output, including this member's secret share (goes into the keystore). */
  output: DkgOutput;
  /** Wall time from dealing to agreement, ms. */
  ms: number;
  /** Qualified members (lab ids) whose attestation differed from the result t others agreed on. */
  dissenters: string[];
}

export const defaultDkgTimeouts: DkgTimeouts = { deal: 30_000, response: 15_000, justification: 15_000 };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** Run this member's side of the network DKG (docs/protocol.md "DKG ceremony"). */
export async function runDkgCeremony(opts: DkgCeremonyOptions): Promise<DkgCeremonyResult> {
  const { host, genesis, self } = opts;
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 300;
  const signal = opts.signal;
  const progress = opts.onProgress ?? (() => {});
  const members = [...genesis.members].sort((a, b) => a.index - b.index);
  const me = members.find((m) => m.index === self.index);
  if (!me) throw new DkgCeremonyError('NOT_A_MEMBER', `index ${self.index} is not a member in genesis`);
  const labOf = (i: number): string => members.find((m) => m.index === i)?.id ?? `#${i}`;
  const pkOf = (i: number): Uint8Array | undefined => members.find((m) => m.index === i)?.publicKey;
  const others = members.filter((m) => m.index !== self.index);
  const ceremonyId = ceremonyIdOf(genesis);
  const sessionHex = toHex(ceremonyId);

  let state: DkgState | null = null;
  const queue: DkgBundle[] = [];
  const finishes = new Map<number, { transcriptHash: string; groupPublicKey: string }>();

  // Every envelope names its sender and kind: its transport slot (the first finish per member counts).
  const transport = new DkgTransport(
    host,
    sessionHex,
    (bytes) => {
      if (bytes[0] === ENVELOPE_FINISH) {
        const f = decodeFinish(bytes, ceremonyId, pkOf);
        if (!f) return null;
        return {
          slot: `finish:${f.index}`,
          accept: () => {
            if (!finishes.has(f.index))
              finishes.set(f.index, {
                transcriptHash: toHex(f.transcriptHash),
                groupPublicKey: toHex(f.groupPublicKey),
              });
          },
        };
      }
      if (bytes[0] !== ENVELOPE_BUNDLE) return null;
      let b: DkgBundle;
      try {
        b = decodeDkgBundle(bytes.subarray(1));
      } catch {
        return null;
      }
      if (toHex(b.sessionId) !== sessionHex) return null;
      const from = b.type === 'response' ? b.from : b.dealer;
      const pk = pkOf(from);
      if (!pk || !verifyDkgBundleSignature(b, pk)) return null;
      return { slot: `${b.type}:${from}`, accept: () => queue.push(b) };
    },
    envelopeLimits(members.length, genesis.threshold),
  );
  await transport.start();

  const peerIdsOf = new Map<string, number>();
  for (const m of others) for (const p of m.peerIds) peerIdsOf.set(p, m.index);
  const connectedMembers = (): Set<number> => {
    const s = new Set<number>();
    for (const c of host.getConnections()) {
      const i = peerIdsOf.get(c.remotePeer.toString());
      if (i !== undefined) s.add(i);
    }
    return s;
  };
  const memberPeers = (): PeerId[] => {
    const seen = new Map<string, PeerId>();
    for (const c of host.getConnections()) {
      const id = c.remotePeer.toString();
      if (peerIdsOf.has(id)) seen.set(id, c.remotePeer);
    }
    return [...seen.values()];
  };
  // Poll every connected member; bounded so one wedged stream can never stall the phase clock.
  const pollAll = (): Promise<unknown> =>
    Promise.race([
      Promise.all(memberPeers().map((p) => transport.poll(p, signal ? { signal } : {}))),
      sleep(6_000),
    ]);
  let dialing: Promise<void> | null = null;
  const dialMissing = (): Promise<void> => {
    // one dial round at a time: a slow dial must not pile up behind the 300 ms loop
    dialing ??= (async () => {
      const connected = connectedMembers();
      const addrs = others.filter((m) => !connected.has(m.index)).flatMap((m) => m.addrs);
      if (addrs.length) await transport.connect(addrs, signal ? { signal } : {});
    })().finally(() => {
      dialing = null;
    });
    return dialing;
  };

  try {
    // 1. Connect: wait for every member (bounded), so nobody's deal phase starts long before others'.
    const connectDeadline = now() + (opts.connectTimeoutMs ?? 60_000);
    let lastKey = '';
    for (;;) {
      if (signal?.aborted) throw new DkgCeremonyError('ABORTED', 'DKG aborted while connecting');
      await dialMissing();
      const c = connectedMembers();
      const key = [...c].sort().join(',');
      if (key !== lastKey) {
        lastKey = key;
        progress({
          type: 'connecting',
          connected: others.filter((m) => c.has(m.index)).map((m) => m.id),
          waitingFor: others.filter((m) => !c.has(m.index)).map((m) => m.id),
        });
      }
      if (c.size === others.length || now() > connectDeadline) break;
      await sleep(pollMs, signal);
    }

    // 2. Deal.
    const started = now();
    const timeouts = { ...defaultDkgTimeouts, ...opts.timeouts };
    const init = dkgInit({
      sessionId: ceremonyId,
      members: members.map((m) => ({ index: m.index, publicKey: m.publicKey })),
      threshold: genesis.threshold,
      self: { index: self.index, secretKey: self.identitySecretKey },
      now: now(),
      timeouts,
    });
    state = init.state;
    progress({ type: 'started', members: members.length, threshold: genesis.threshold });
    let phase = phaseOf(state);
    progress({ type: 'phase', phase });
    for (const b of init.out) await transport.publish(bundleEnvelope(encodeDkgBundle(b)));

    // a one-member committee is done at init
    let output: DkgOutput | undefined = init.done ?? init.state.output ?? undefined;
    let failure: DkgFailure | undefined = init.failed ?? init.state.failure ?? undefined;
    const apply = async (ev: { type: 'bundle'; bundle: DkgBundle } | { type: 'tick' }): Promise<void> => {
      const r = dkgStep(state as DkgState, ev, now());
      state = r.state;
      for (const b of r.out) await transport.publish(bundleEnvelope(encodeDkgBundle(b)));
      output ??= r.done ?? r.state.output ?? undefined;
      failure ??= r.failed ?? r.state.failure ?? undefined;
      const p = phaseOf(state);
      if (p !== phase) {
        phase = p;
        progress({ type: 'phase', phase });
      }
    };
    const drain = async (): Promise<void> => {
      while (queue.length && !output && !failure) {
        const b = queue.shift()!;
        if (b.type === 'deal') progress({ type: 'deal', from: labOf(b.dealer) });
        else if (b.type === 'response')
          progress({ type: 'response', from: labOf(b.from), complaints: b.complaints.map(labOf) });
        else progress({ type: 'justification', from: labOf(b.dealer), revealed: b.shares.length });
        await apply({ type: 'bundle', bundle: b });
      }
    };

    while (!output && !failure) {
      if (signal?.aborted) throw new DkgCeremonyError('ABORTED', 'DKG aborted');
      await drain();
      if (output || failure) break;
      await apply({ type: 'tick' });
      if (output || failure) break;
      await pollAll();
      await drain();
      if (!output && !failure) {
        void dialMissing();
        await sleep(pollMs, signal);
      }
    }

    if (failure) {
      const missing = failure.missing.map(labOf);
      const cheaters = failure.cheaters.map((c) => ({ lab: labOf(c.dealer), reason: c.reason }));
      const parts = [failure.message];
      if (missing.length) parts.push(`missing: ${missing.join(', ')}`);
      if (cheaters.length)
        parts.push(`excluded: ${cheaters.map((c) => `${c.lab} (${c.reason})`).join(', ')}`);
      throw new DkgCeremonyError('DKG_FAILED', parts.join('; '), { missing, cheaters });
    }
    const out = output!;
    progress({
      type: 'computed',
      groupPublicKey: out.groupPublicKey,
      transcriptHash: out.transcriptHash,
      qualified: out.qualified.map(labOf),
      excluded: out.excluded.map((e) => ({ lab: labOf(e.dealer), reason: e.reason })),
    });

    // 3. Agree on the result: every qualified dealer signs (transcriptHash, groupPublicKey). Only their
    // attestations count (a member that never dealt, or was excluded, has no say in this key), and t of
    // them agreeing with ours is enough: a dissenter is reported and left out, it cannot abort the rest.
    const mine = { transcriptHash: toHex(out.transcriptHash), groupPublicKey: toHex(out.groupPublicKey) };
    finishes.set(self.index, mine);
    await transport.publish(
      encodeFinish(ceremonyId, self.index, out.transcriptHash, out.groupPublicKey, self.identitySecretKey),
    );
    const qualified = new Set(out.qualified);
    const reported = new Set<number>([self.index]);
    const dissenters: number[] = [];
    const finishDeadline = now() + (opts.finishTimeoutMs ?? 20_000);
    for (;;) {
      let agree = qualified.has(self.index) ? 0 : 1;
      for (const [i, f] of finishes) {
        if (!qualified.has(i) && i !== self.index) continue;
        const agrees = f.transcriptHash === mine.transcriptHash && f.groupPublicKey === mine.groupPublicKey;
        if (agrees) agree++;
        if (reported.has(i)) continue;
        reported.add(i);
        progress({ type: 'attested', from: labOf(i), agrees });
        if (!agrees) dissenters.push(i);
      }
      const pending = [...qualified].filter((i) => !finishes.has(i));
      if (agree >= genesis.threshold && (pending.length === 0 || now() > finishDeadline)) break;
      if (agree + pending.length < genesis.threshold || (now() > finishDeadline && dissenters.length > 0)) {
        const d = dissenters[0] as number | undefined;
        const f = d === undefined ? undefined : finishes.get(d);
        if (f)
          throw new DkgCeremonyError(
            'TRANSCRIPT_MISMATCH',
            `${dissenters.map(labOf).join(', ')} computed a different DKG result (transcript ${f.transcriptHash.slice(0, 16)}… vs ours ${mine.transcriptHash.slice(0, 16)}…) and only ${agree} of the ${genesis.threshold} needed agree with ours; do not use this key, rerun the ceremony`,
          );
      }
      if (now() > finishDeadline) {
        const silent = pending.map(labOf);
        throw new DkgCeremonyError(
          'TIMEOUT',
          `only ${agree} qualified members confirmed the result (need ${genesis.threshold}); silent: ${silent.join(', ')}`,
          { missing: silent },
        );
      }
      if (signal?.aborted) throw new DkgCeremonyError('ABORTED', 'DKG aborted');
      await pollAll();
      await sleep(pollMs, signal);
    }
    const ms = now() - started;

    // 4. Linger so peers still polling can fetch our last bundles and attestation.
    const lingerMs = opts.lingerMs ?? 1500;
    progress({ type: 'lingering', ms: lingerMs });
    await sleep(lingerMs, signal);

    return {
      result: {
        groupPublicKey: out.groupPublicKey,
        publicShares: out.publicShares,
        transcriptHash: out.transcriptHash,
      },
      output: out,
      ms,
      dissenters: dissenters.map(labOf),
    };
  } finally {
    await transport.stop();
  }
}

function phaseOf(state: DkgState | null): string {
  return state?.phase ?? 'connecting';
}
