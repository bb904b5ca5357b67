import { randomBytes } from 'node:crypto';
import { ed25519Generate } from '@pausenet/crypto';
import { signContribution } from '../../src/ceremony/codec.js';
import {
  decodeSetupContribution,
  encodeSetupContribution,
  type SetupContribution,
  type SetupFailure,
  type SetupOutput,
} from '../../src/index.js';
import {
  type SetupOptions,
  type SetupState,
  type SetupStepResult,
  setupInit,
  setupStep,
} from '../../src/prover.js';

/** In-process broadcast driver for the setup ceremony: every message goes through the codec. */

export interface Participant {
  name: string;
  state: SetupState;
  done?: SetupOutput;
  failed?: SetupFailure;
  rejected: { index: number; reason: string }[];
}

export interface DriverOptions {
  members: number;
  minContributors: number;
  r1cs: Uint8Array;
  power: number;
  /** Rewrite a contribution before it is delivered (tampering); return null to drop it. */
  intercept?: (c: SetupContribution) => SetupContribution | null;
  /** A cheating member: its contribution in `phase` is replaced by `mutate(data)`, signed with its own key. */
  corrupt?: {
    index: number;
    phase: 1 | 2;
    type?: 'contribution' | 'prepared';
    mutate: (data: Uint8Array) => Uint8Array;
  };
  /** Member indices that never contribute (they run no state machine). */
  silent?: number[];
  turnTimeoutMs?: number;
  /** Shared memo of the deterministic steps (each member would compute the same bytes). */
  cache?: Map<string, Uint8Array>;
  /** Per-step timings: contribution (ms) by member, verification (ms) per delivered message. */
  timings?: { contribute: number[]; verify: number[] };
}

export async function runSetup(opts: DriverOptions): Promise<{ participants: Participant[]; now: number }> {
  const ids = Array.from({ length: opts.members }, (_, i) => ({ index: i + 1, ...ed25519Generate() }));
  const members = ids.map((m) => ({ index: m.index, publicKey: m.publicKey }));
  const sessionId = new Uint8Array(randomBytes(32));
  const cache = opts.cache ?? new Map<string, Uint8Array>();
  let now = 0;
  const base = {
    sessionId,
    members,
    minContributors: opts.minContributors,
    r1cs: opts.r1cs,
    power: opts.power,
    turnTimeoutMs: opts.turnTimeoutMs ?? 60_000,
    prepareTimeoutMs: 3_600_000,
    cache,
  } satisfies Partial<SetupOptions>;
  const participants: Participant[] = [];
  const queue: { from: string; bytes: Uint8Array }[] = [];
  const publish = (from: string, r: SetupStepResult) => {
    for (const out of r.out) {
      let c = out;
      const bad = opts.corrupt;
      if (bad && c.index === bad.index && c.phase === bad.phase && c.type === (bad.type ?? 'contribution')) {
        const { signature: _, ...body } = c;
        c = signContribution({ ...body, data: bad.mutate(c.data) }, ids[bad.index - 1]!.secretKey);
      }
      const tampered = opts.intercept ? opts.intercept(c) : c;
      if (tampered) queue.push({ from, bytes: encodeSetupContribution(tampered) });
    }
  };
  const record = (p: Participant, r: SetupStepResult) => {
    p.state = r.state;
    if (r.done) p.done = r.done;
    if (r.failed) p.failed = r.failed;
    for (const x of r.rejected ?? []) p.rejected.push({ index: x.index, reason: x.reason });
  };
  for (const id of ids) {
    if (opts.silent?.includes(id.index)) continue;
    const t0 = performance.now();
    const r = await setupInit({
      ...base,
      self: { index: id.index, secretKey: id.secretKey, entropy: new Uint8Array(randomBytes(64)) },
      now,
    });
    if (r.out.length) opts.timings?.contribute.push(performance.now() - t0);
    const p: Participant = { name: `member-${id.index}`, state: r.state, rejected: [] };
    record(p, r);
    participants.push(p);
    publish(p.name, r);
  }
  const finished = () => participants.every((p) => p.done || p.failed);
  for (let rounds = 0; !finished() && rounds < 10_000; rounds++) {
    const item = queue.shift();
    if (!item) {
      now += Math.max(base.turnTimeoutMs, base.prepareTimeoutMs);
      for (const p of participants) {
        const r = await setupStep(p.state, { type: 'tick' }, now);
        record(p, r);
        publish(p.name, r);
      }
      continue;
    }
    for (const p of participants) {
      if (p.name === item.from) continue;
      const t0 = performance.now();
      const r = await setupStep(
        p.state,
        { type: 'message', message: decodeSetupContribution(item.bytes) },
        now,
      );
      const ms = performance.now() - t0;
      if (r.out.length) opts.timings?.contribute.push(ms);
      else opts.timings?.verify.push(ms);
      record(p, r);
      publish(p.name, r);
    }
  }
  return { participants, now };
}
