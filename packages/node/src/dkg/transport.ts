import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { PausenetLibp2p } from '../host.js';
import { handleReqResp, requestReqResp } from '../sync/reqresp.js';
import { ceremonyNames, envelopeId } from './wire.js';

/** Max size of one envelope (a deal for 64 members is ~25 KiB; leave room). */
export const MAX_ENVELOPE_BYTES = 1_048_576;
/** Max envelopes one peer serves (deals + responses + justifications + finishes for 256 members). */
export const MAX_ENVELOPES = 1024;

/** Handler for an incoming envelope; return true to keep and re-serve it (it was valid). */
export type EnvelopeHandler = (bytes: Uint8Array, from: string) => boolean;

/**
 * Moves DKG envelopes between members two ways, so a mesh that is still forming cannot stall the
 * ceremony: gossip on the ceremony topic, plus a req/resp protocol returning every envelope this
 * node holds (polled until done).
 */
export class DkgTransport {
  private readonly held = new Map<string, Uint8Array>();
  private readonly names: { topic: string; protocol: string };
  private readonly onMessage = (evt: CustomEvent<{ topic: string; data: Uint8Array }>): void => {
    const m = evt.detail;
    if (m.topic !== this.names.topic) return;
    this.receive(m.data, 'gossip');
  };

  constructor(
    private readonly host: PausenetLibp2p,
    ceremonyIdHex: string,
    private readonly handler: EnvelopeHandler,
  ) {
    this.names = ceremonyNames(ceremonyIdHex);
  }

  /** Subscribe to the topic and serve the req/resp protocol. */
  async start(): Promise<void> {
    const ps = this.host.services.pubsub;
    ps.addEventListener('message', this.onMessage as never);
    ps.subscribe(this.names.topic);
    await handleReqResp(this.host, this.names.protocol, () => ({ items: [...this.held.values()] }), {
      maxItems: MAX_ENVELOPES,
      maxItemBytes: MAX_ENVELOPE_BYTES,
      timeoutMs: 10_000,
    });
  }

  /** Stop serving and leave the topic. */
  async stop(): Promise<void> {
    const ps = this.host.services.pubsub;
    ps.removeEventListener('message', this.onMessage as never);
    try {
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

  private receive(bytes: Uint8Array, from: string): void {
    if (bytes.length > MAX_ENVELOPE_BYTES) return;
    const id = envelopeId(bytes);
    if (this.held.has(id)) return;
    if (this.handler(bytes, from)) this.held.set(id, bytes);
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
          maxItems: MAX_ENVELOPES,
          maxItemBytes: MAX_ENVELOPE_BYTES,
          timeoutMs: 5_000,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
      for (const item of res.items) this.receive(item, peer.toString());
    } catch {
      // peer not ready, not yet serving, or gone: the next poll retries
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
