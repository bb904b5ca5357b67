import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { PausenetLibp2p } from '../host.js';
import { handleReqResp, requestReqResp } from '../sync/reqresp.js';
import { ceremonyNames, envelopeId, FINISH_LEN } from './wire.js';

/** Max size of one envelope the crypto codec accepts (a deal for 64 members is ~7 KiB). */
export const MAX_ENVELOPE_BYTES = 1_048_576;
/** Max envelopes one peer serves (deals + responses + justifications + finishes for 256 members). */
export const MAX_ENVELOPES = 1024;

/** How much one poll answer may carry for a ceremony of `members` members and threshold `threshold`. */
export interface EnvelopeLimits {
  /** Envelopes: per member one response, justification and finish, and up to two deals. */
  maxItems: number;
  /** Bytes of one envelope: a deal, the largest kind. */
  maxItemBytes: number;
  /** Bytes of a whole poll answer: every member's four envelopes at their largest. */
  maxPollBytes: number;
}

/**
 * Envelope limits of a ceremony (docs/protocol.md "DKG ceremony (network)"). A deal is ~200 B + 50 B per
 * commitment (t) + 60 B per encrypted share (n) (64 members: 6.6 KiB); the bound below is about twice
 * that, and a response or justification is smaller than a deal. So a poll answer from a member (or a
 * liar) is never buffered beyond what an honest ceremony of this size can produce.
 */
export function envelopeLimits(members: number, threshold: number): EnvelopeLimits {
  const maxItemBytes = Math.min(MAX_ENVELOPE_BYTES, 1024 + 64 * threshold + 128 * members);
  return {
    maxItems: Math.min(MAX_ENVELOPES, 5 * members),
    maxItemBytes,
    maxPollBytes: members * (4 * maxItemBytes + FINISH_LEN),
  };
}

/**
 * Envelopes kept per (sender, kind) slot: one, except deals: a second, different signed deal is the
 * self-proving equivocation every member must see to exclude that dealer the same way.
 */
function slotCapacity(slot: string): number {
  return slot.startsWith('deal:') ? 2 : 1;
}

/**
 * Checks an envelope: null when it is not valid; else its slot (`<kind>:<sender index>`, e.g. `deal:3`,
 * `finish:2`) and `accept`, which the transport calls (once) only if it keeps the envelope.
 */
export type EnvelopeHandler = (
  bytes: Uint8Array,
  from: string,
) => { slot: string; accept: () => void } | null;

/**
 * Moves DKG envelopes between members two ways, so a mesh that is still forming cannot stall the
 * ceremony: gossip on the ceremony topic (its validator accepts only valid envelopes, so nothing else is
 * relayed), plus a req/resp protocol returning every envelope this node holds (polled until done). The
 * first valid envelope per (sender, kind) slot is kept and served (two for deals: slotCapacity); more
 * for a taken slot are dropped, so what a node holds and serves is bounded by the member count.
 */
export class DkgTransport {
  private readonly held = new Map<string, Uint8Array>();
  private readonly slots = new Map<string, number>();
  private readonly names: { topic: string; protocol: string };
  private readonly limits: EnvelopeLimits;

  constructor(
    private readonly host: PausenetLibp2p,
    ceremonyIdHex: string,
    private readonly handler: EnvelopeHandler,
    limits: Partial<EnvelopeLimits> = {},
  ) {
    this.names = ceremonyNames(ceremonyIdHex);
    this.limits = {
      maxItems: MAX_ENVELOPES,
      maxItemBytes: MAX_ENVELOPE_BYTES,
      maxPollBytes: MAX_ENVELOPES * MAX_ENVELOPE_BYTES,
      ...limits,
    };
  }

  /** Validate the topic, subscribe to it and serve the req/resp protocol. */
  async start(): Promise<void> {
    const ps = this.host.services.pubsub;
    // [REJECT] an envelope that is not valid (docs/protocol.md "DKG ceremony"): never relayed, sender scored.
    ps.topicValidators.set(this.names.topic, (peer, msg) => {
      const verdict = this.receive(msg.data, peer.toString());
      return verdict === 'new'
        ? TopicValidatorResult.Accept
        : verdict === 'invalid'
          ? TopicValidatorResult.Reject
          : TopicValidatorResult.Ignore;
    });
    ps.subscribe(this.names.topic);
    await handleReqResp(this.host, this.names.protocol, () => ({ items: [...this.held.values()] }), {
      maxItems: this.limits.maxItems,
      maxItemBytes: this.limits.maxItemBytes,
      timeoutMs: 10_000,
    });
  }

  /** Stop serving and leave the topic. */
  async stop(): Promise<void> {
    const ps = this.host.services.pubsub;
    try {
      ps.topicValidators.delete(this.names.topic);
      ps.unsubscribe(this.names.topic);
      await this.host.unhandle(this.names.protocol);
    } catch {
      // the host may already be stopping
    }
  }

  /**
   * Keep our own envelope for serving and gossip it. The gossip send is not awaited: under load it can
   * stall on a peer's stream, and polling delivers the envelope anyway (publish errors are fine too).
   */
  async publish(bytes: Uint8Array): Promise<void> {
    this.held.set(envelopeId(bytes), bytes);
    try {
      void this.host.services.pubsub.publish(this.names.topic, bytes).catch(() => {});
    } catch {
      // no subscribed peers yet: peers will fetch it with the req/resp poll
    }
  }

  /** Number of envelopes held (own + accepted). */
  get size(): number {
    return this.held.size;
  }

  private receive(bytes: Uint8Array, from: string): 'new' | 'known' | 'invalid' {
    if (bytes.length > this.limits.maxItemBytes) return 'invalid';
    const id = envelopeId(bytes);
    if (this.held.has(id)) return 'known';
    const valid = this.handler(bytes, from);
    if (valid === null) return 'invalid';
    const taken = this.slots.get(valid.slot) ?? 0;
    if (taken >= slotCapacity(valid.slot)) return 'known';
    this.slots.set(valid.slot, taken + 1);
    this.held.set(id, bytes);
    valid.accept();
    return 'new';
  }

  /** Fetch every envelope `peer` holds; returns how many were new to us. Errors are swallowed (retry next poll). */
  async poll(peer: PeerId, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const before = this.held.size;
    try {
      const res = await requestReqResp(
        this.host,
        peer,
        this.names.protocol,
        {},
        {
          maxItems: this.limits.maxItems,
          maxItemBytes: this.limits.maxItemBytes,
          maxTotalBytes: this.limits.maxPollBytes,
          timeoutMs: 5_000,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
      for (const item of res.items) this.receive(item, peer.toString());
    } catch {
      // peer not ready, not yet serving, gone, or over the limits: the next poll retries
    }
    return this.held.size - before;
  }

  /** Dial each address that is not connected yet; returns the peer ids currently connected among them. */
  async connect(addrs: string[], opts: { signal?: AbortSignal } = {}): Promise<PeerId[]> {
    const connected: PeerId[] = [];
    await Promise.all(
      addrs.map(async (a) => {
        try {
          const ma = multiaddr(a);
          const timeout = AbortSignal.timeout(3_000);
          const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
          const conn = await this.host.dial(ma, { signal });
          connected.push(conn.remotePeer);
        } catch {
          // not up yet
        }
      }),
    );
    return connected;
  }
}
