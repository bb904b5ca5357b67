import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { blsSign, ed25519Generate } from '@pausenet/crypto';
import {
  createHost,
  handleReqResp,
  loadOrCreateNodeKey,
  type PausenetLibp2p,
  protocolName,
  topicName,
} from '@pausenet/node';
import {
  type CommitmentJson,
  commitmentFromJson,
  encodeCertificate,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  epochAt,
  epochStart,
  evidenceFromJson,
  fromHex,
  hashSignedCommitment,
  type PauseState,
  type SignedCommitment,
  signCommitment,
  signEvidence,
  signVote,
  statementBytes,
  toHex,
  ZERO_HASH,
} from '@pausenet/protocol';
import { type Cluster, sleep, waitFor } from '@pausenet/testkit/cluster';
import type { AdversarySpec } from '../harness/manifest.js';
import { type AdmissionStats, isAdmissionSpec, runAdmission } from './admission.js';

type Topic = 'commitments' | 'evidence' | 'votes' | 'certificates';

/** A well-formed breach id for hostile pause votes (a pause vote must cite one; none is proven). */
const PLACEHOLDER_BREACH = new Uint8Array(32).fill(0xbe);

/**
 * A raw libp2p peer on the node's own stack (TCP + Noise + Yamux + identify + gossipsub) that
 * connects to every node and publishes hostile traffic. Member keys come from the harness's
 * throwaway keystores: it models a compromised / misbehaving member as well as an outsider.
 */
export class Adversary {
  readonly sent: Record<string, number> = {};
  /** Hashes of validly signed commitments it published (a node may legitimately store them). */
  readonly validAdversarialCommitments: string[] = [];
  /** What the admission-control adversaries observed. */
  readonly admission: AdmissionStats = {};
  private stopped = false;
  private constructor(
    private readonly cluster: Cluster,
    private readonly host: PausenetLibp2p,
    private readonly networkId: Uint8Array,
  ) {}

  /** Start the peer, dial every running node and subscribe to the four topics. */
  static async start(cluster: Cluster): Promise<Adversary> {
    const privateKey = await loadOrCreateNodeKey(join(cluster.root, 'adversary-node-key'));
    const host = await createHost({
      privateKey,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      gossip: { maxMessageBytes: 4 << 20 },
    });
    const a = new Adversary(cluster, host, fromHex(cluster.networkIdHex));
    // gossipsub would relay valid messages across a partition: the harness puts this peer on one side
    cluster.outsiders.push(host.peerId.toString());
    for (const t of ['commitments', 'evidence', 'votes', 'certificates'] as Topic[])
      host.services.pubsub.subscribe(a.topic(t));
    const targets = cluster.nodes.filter((n) => n.child?.running);
    const dialErrors: string[] = [];
    await Promise.all(
      targets.map((n) =>
        host
          .dial(multiaddr(`/ip4/127.0.0.1/tcp/${n.addr.split('/')[4]}/p2p/${n.peerId}`))
          .catch((err: Error) => {
            dialErrors.push(`${n.id}: ${err.message}`);
          }),
      ),
    );
    await waitFor(
      'nodes subscribed as seen by the adversary',
      async () => {
        if (host.services.pubsub.getSubscribers(a.topic('votes')).length >= Math.min(2, targets.length))
          return true;
        throw new Error(
          `connections=${host.getConnections().length} subscribers=${host.services.pubsub.getSubscribers(a.topic('votes')).length} dialErrors=${dialErrors.join('; ')}`,
        );
      },
      { timeoutMs: 60_000, everyMs: 200 },
    );
    return a;
  }

  private topic(t: Topic): string {
    return topicName(this.cluster.networkIdHex, t);
  }

  private async publish(t: Topic, kind: string, bytes: Uint8Array): Promise<void> {
    this.sent[kind] = (this.sent[kind] ?? 0) + 1;
    try {
      await this.host.services.pubsub.publish(this.topic(t), bytes);
    } catch {
      // no peers left (pruned for misbehaviour) or too big for our own limits: still counted
    }
  }

  private async memberSecrets(lab: string): Promise<{ identity: Uint8Array; index: number }> {
    const l = this.cluster.lab(lab);
    return { identity: l.secretKey, index: l.index };
  }

  private async latestCommitments(): Promise<CommitmentJson[]> {
    const running = this.cluster.nodes.find((n) => n.child?.running);
    return running ? this.cluster.api<CommitmentJson[]>(running, 'GET', '/v1/commitments') : [];
  }

  /** Run one adversary behaviour to completion. */
  async run(spec: AdversarySpec, note: (s: string) => void): Promise<void> {
    if (isAdmissionSpec(spec)) return runAdmission(this.cluster, spec, this.admission, note);
    if (spec.kind === 'flood') return this.flood(spec.ratePerSec, spec.durationMs, note);
    if (spec.kind === 'report-flood') return this.reportFlood(spec.lab, spec.count, spec.ratePerSec, note);
    if (spec.kind === 'equivocate') return this.equivocate(spec.lab, note);
    if (spec.kind === 'double-vote') return this.doubleVote(spec.lab, note);
    return this.observerPublish(note);
  }

  /** Forged signatures, malformed/oversized CBOR, replays, wrong-height votes, bad partials, forged certificates. */
  private async flood(ratePerSec: number, durationMs: number, note: (s: string) => void): Promise<void> {
    const history = (await this.latestCommitments()).map(commitmentFromJson);
    const base = history[0];
    if (!base) throw new Error('adversary: no commitment to mutate');
    const lab = await this.memberSecrets('lab-a');
    const stranger = ed25519Generate();
    const g = this.cluster.genesis;
    // BLS work is done once up front (a pool); each message is still unique (gossip dedups by hash)
    const POOL = 16;
    const wrongHeights = Array.from({ length: POOL }, (_, i) => 50 + i);
    const wrongHeightPartials = wrongHeights.map((h) =>
      blsSign(
        this.cluster.shares[0]!,
        statementBytes({ networkId: this.networkId, height: h, target: 'PAUSED', step: 'up', resolves: [] }),
      ),
    );
    const badPartials = Array.from({ length: POOL }, () => blsSign(this.cluster.shares[0]!, randomBytes(32)));
    const fakeGroupSigs = Array.from({ length: POOL }, (_, i) =>
      blsSign(
        this.cluster.shares[1]!,
        statementBytes({
          networkId: this.networkId,
          height: 1 + (i % 2),
          target: i % 2 ? 'RUNNING' : 'PAUSED',
          step: i % 2 ? 'down' : 'up',
          resolves: [],
        }),
      ),
    );
    const signers = g.members.slice(0, g.threshold).map((m) => m.id);
    let n = 0;
    const voteWith = (height: number, partial: Uint8Array) =>
      encodeSignedVote(
        signVote(
          {
            networkId: this.networkId,
            height,
            target: 'PAUSED',
            step: 'up',
            voter: 'lab-a',
            partial,
            evidence: [],
            breaches: [PLACEHOLDER_BREACH],
            resolves: [],
            issuedAt: Date.now() + (n % 1000),
          },
          lab.identity,
        ),
      );
    const makers: [Topic, string, () => Uint8Array][] = [
      // [REJECT] C_SIGNATURE: a commitment in lab-a's name signed by a stranger's key
      [
        'commitments',
        'forged-signature',
        () =>
          encodeSignedCommitment(
            signCommitment({ ...base.commitment, issuedAt: Date.now() + (n % 1000) }, stranger.secretKey),
          ),
      ],
      // undecodable: random bytes, truncated canonical CBOR, trailing garbage
      ['commitments', 'malformed-cbor', () => randomBytes(1 + (n % 300))],
      [
        'votes',
        'truncated-cbor',
        () => Uint8Array.from([...encodeSignedCommitment(base).subarray(0, 40), n & 255, (n >> 8) & 255]),
      ],
      [
        'evidence',
        'trailing-garbage',
        () => Uint8Array.from([...encodeSignedCommitment(base), n & 255, (n >> 8) & 255]),
      ],
      // replay of an old, valid, already stored message (identical bytes: dropped as a duplicate)
      ['commitments', 'replay', () => encodeSignedCommitment(history[n % history.length]!)],
      // votes for wrong heights, correctly signed by lab-a's identity key and share
      ['votes', 'wrong-height-vote', () => voteWith(wrongHeights[n % POOL]!, wrongHeightPartials[n % POOL]!)],
      // a bad partial: valid Ed25519 envelope, partial over the wrong statement
      ['votes', 'bad-partial', () => voteWith(1, badPartials[n % POOL]!)],
      // a forged certificate: one member's partial passed off as the group signature
      [
        'certificates',
        'forged-certificate',
        () =>
          encodeCertificate({
            networkId: this.networkId,
            height: 1 + (n % 2),
            target: n % 2 ? 'RUNNING' : 'PAUSED',
            step: n % 2 ? 'down' : 'up',
            signers,
            resolves: [],
            signature: fakeGroupSigs[n % POOL]!,
          }),
      ],
    ];
    const end = Date.now() + durationMs;
    const perTick = Math.max(1, Math.round(ratePerSec / 20));
    while (Date.now() < end && !this.stopped) {
      const tick = Date.now();
      for (let k = 0; k < perTick; k++) {
        n++;
        // oversized (over the node's 256 KiB gossip limit): rarely, it is expensive for the sender too
        if (n % 200 === 0) {
          void this.publish('certificates', 'oversized', randomBytes(300_000));
          continue;
        }
        const [t, kind, make] = makers[n % makers.length]!;
        void this.publish(t, kind, make());
      }
      await sleep(Math.max(1, 50 - (Date.now() - tick)));
    }
    note(`adversary flood done: ${JSON.stringify(this.sent)}`);
  }

  private vote(
    voter: string,
    identity: Uint8Array,
    height: number,
    target: PauseState,
    partial: Uint8Array | null,
  ): Uint8Array {
    const idx = this.cluster.node(voter).index;
    const p =
      partial ??
      blsSign(
        this.cluster.shares[idx - 1]!,
        statementBytes({ networkId: this.networkId, height, target, step: 'up', resolves: [] }),
      );
    return encodeSignedVote(
      signVote(
        {
          networkId: this.networkId,
          height,
          target,
          step: 'up',
          voter,
          partial: p,
          evidence: [],
          breaches: [PLACEHOLDER_BREACH],
          resolves: [],
          issuedAt: Date.now(),
        },
        identity,
      ),
    );
  }

  /** A member signing two different commitments for its latest epoch with its real key. */
  private async equivocate(lab: string, note: (s: string) => void): Promise<void> {
    const list = (await this.latestCommitments()).filter((c) => c.lab === lab).sort((a, b) => b.seq - a.seq);
    const s = await this.memberSecrets(lab);
    const orig = list[0] ? commitmentFromJson(list[0]) : undefined;
    if (!orig) throw new Error(`adversary: ${lab} has no commitment to equivocate on`);
    const m = orig.commitment.metrics;
    const twin = signCommitment(
      {
        ...orig.commitment,
        issuedAt: orig.commitment.issuedAt + 1,
        metrics: { ...m, trainingFlop: m.trainingFlop / 2n },
      },
      s.identity,
    );
    this.validAdversarialCommitments.push(toHex(hashSignedCommitment(twin)));
    await this.publish('commitments', 'equivocation', encodeSignedCommitment(twin));
    note(`adversary: ${lab} equivocated on epoch ${orig.commitment.epoch} seq ${orig.commitment.seq}`);
  }

  /**
   * A member signing against the signing rule at one height with its share: PAUSED, then the lower REDUCED
   * (levels signed at a height strictly increase).
   */
  private async doubleVote(lab: string, note: (s: string) => void): Promise<void> {
    const s = await this.memberSecrets(lab);
    await this.publish('votes', 'double-vote', this.vote(lab, s.identity, 1, 'PAUSED', null));
    await this.publish('votes', 'double-vote', this.vote(lab, s.identity, 1, 'REDUCED', null));
    note(`adversary: ${lab} voted PAUSED and then REDUCED for height 1`);
  }

  /** An observer (no member key) publishing on member topics: votes and commitments in its own name. */
  private async observerPublish(note: (s: string) => void): Promise<void> {
    const k = ed25519Generate();
    const base = (await this.latestCommitments()).map(commitmentFromJson)[0]!;
    const sc = signCommitment({ ...base.commitment, lab: 'observer-1', issuedAt: Date.now() }, k.secretKey);
    await this.publish('commitments', 'observer-commitment', encodeSignedCommitment(sc));
    await this.publish(
      'votes',
      'observer-vote',
      encodeSignedVote(
        signVote(
          {
            networkId: this.networkId,
            height: 1,
            target: 'PAUSED',
            step: 'up',
            voter: 'observer-1',
            partial: randomBytes(96),
            evidence: [],
            breaches: [PLACEHOLDER_BREACH],
            resolves: [],
            issuedAt: Date.now(),
          },
          k.secretKey,
        ),
      ),
    );
    note('adversary: observer published a commitment and a vote on member topics');
  }

  /**
   * A member re-signing every stored `cap-exceeded` evidence with a fresh issuedAt, as `lab`, and gossiping
   * it: same breach, new message hash (docs/protocol.md "Breach identity"). Returns the breach ids.
   */
  async resignEvidence(lab: string, note: (s: string) => void): Promise<string[]> {
    const running = this.cluster.nodes.find((n) => n.child?.running);
    if (!running) throw new Error('adversary: no node to read evidence from');
    const stored = await this.cluster.api<Record<string, unknown>[]>(running, 'GET', '/v1/evidence');
    const s = await this.memberSecrets(lab);
    const breaches: string[] = [];
    for (const json of stored) {
      const se = evidenceFromJson(json);
      if (se.evidence.kind !== 'cap-exceeded') continue;
      const again = signEvidence(
        { networkId: this.networkId, evidence: se.evidence, reporter: lab, issuedAt: Date.now() },
        s.identity,
      );
      await this.publish('evidence', 'resigned-evidence', encodeSignedEvidence(again));
      breaches.push(String(json.breach));
    }
    note(
      `adversary: ${lab} re-signed ${breaches.length} cap-exceeded evidence item(s) with a fresh issuedAt`,
    );
    return breaches;
  }

  /** A member gossiping `count` valid report evidence items about the current epoch (distinct digests). */
  private async reportFlood(
    lab: string,
    count: number,
    ratePerSec: number,
    note: (s: string) => void,
  ): Promise<void> {
    const s = await this.memberSecrets(lab);
    const epoch = epochAt(this.cluster.genesis.policy, Date.now());
    const subject = this.cluster.labs.find((l) => l.id !== lab)?.id ?? lab;
    const perTick = Math.max(1, Math.round(ratePerSec / 20));
    for (let i = 0; i < count && !this.stopped; ) {
      const tick = Date.now();
      for (let k = 0; k < perTick && i < count; k++, i++) {
        const digest = new Uint8Array(32);
        new DataView(digest.buffer).setUint32(0, i);
        const se = signEvidence(
          {
            networkId: this.networkId,
            evidence: { kind: 'report', subject, epoch, digest, summary: `flood ${i}` },
            reporter: lab,
            issuedAt: Date.now(),
          },
          s.identity,
        );
        void this.publish('evidence', 'report-flood', encodeSignedEvidence(se));
      }
      await sleep(Math.max(1, 50 - (Date.now() - tick)));
    }
    note(`adversary: ${lab} gossiped ${this.sent['report-flood'] ?? 0} report evidence items`);
  }

  /**
   * A member back-dating a commitment for an epoch it missed (issuedAt inside that epoch) after its
   * deadline has passed, and planting it via sync: gossip ignores it (C_STALE), but req/resp sync takes
   * history. The adversary serves `status` (advertising the lab's head) and `commitments-by-range`; nodes
   * fetch it when they sync with it. Must be the lab's first commitment (seq 0).
   */
  async plantBackdated(lab: string, epoch: number, note: (s: string) => void): Promise<SignedCommitment> {
    const s = await this.memberSecrets(lab);
    const sc = signCommitment(
      {
        networkId: this.networkId,
        lab,
        epoch,
        seq: 0,
        prev: ZERO_HASH,
        issuedAt: epochStart(this.cluster.genesis.policy, epoch) + 100,
        height: 0,
        level: 'RUNNING',
        metrics: {
          trainingFlop: 10n ** 24n,
          largestRunFlop: 10n ** 23n,
          maxParams: 7n * 10n ** 10n,
          datasetTokens: 10n ** 12n,
          acceleratorHours: 1000n,
          utilizationBps: 5000,
        },
        runsRoot: new Uint8Array(32),
        attestations: [],
      },
      s.identity,
    );
    const bytes = encodeSignedCommitment(sc);
    const hash = toHex(hashSignedCommitment(sc));
    this.validAdversarialCommitments.push(hash);
    const net = this.cluster.networkIdHex;
    const lim = { maxItems: 256, timeoutMs: 10_000 };
    await handleReqResp(
      this.host,
      protocolName(net, 'status'),
      () => ({
        header: {
          status: {
            networkId: net,
            role: 'member',
            heads: [{ lab, seq: 0, hash }],
            certifiedHeight: 0,
            openVotes: 0,
            evidenceCount: 0,
          },
        },
      }),
      lim,
    );
    await handleReqResp(
      this.host,
      protocolName(net, 'commitments-by-range'),
      (r) => ({ items: (r as { lab?: string }).lab === lab ? [bytes] : [] }),
      lim,
    );
    // Gossip would not take it (C_STALE): show that it is the sync path that plants it.
    await this.publish('commitments', 'backdated-gossip', bytes);
    note(`adversary: ${lab} back-dated a commitment for epoch ${epoch} (serving it to syncing nodes)`);
    return sc;
  }

  /** Dial every running node again (after it restarted): nodes sync with a peer when it connects. */
  async redial(): Promise<void> {
    await Promise.all(
      this.cluster.nodes
        .filter((n) => n.child?.running)
        .map((n) =>
          this.host
            .dial(multiaddr(`/ip4/127.0.0.1/tcp/${n.addr.split('/')[4]}/p2p/${n.peerId}`))
            .catch(() => undefined),
        ),
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.host.stop();
  }
}
