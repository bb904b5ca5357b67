// Bench-only controllers, usable in this process or behind lib/child.mjs over IPC with the same calls:
// LabController wraps a real PausenetNode (member or observer) and timestamps halt/resume hooks;
// RawController is a bare libp2p host with the node's exact stack and gossip tuning but no validators
// and no store (the "no work" floor).
import '../../../packages/node/dist/polyfill.js';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createHost, PausenetNode, parseNodeConfig, topicName } from '../../../packages/node/dist/index.js';
import {
  decodeSignedCommitment,
  decodeSignedEvidence,
  encodeSignedCommitment,
} from '../../../packages/protocol/dist/index.js';

const wallMs = () => performance.timeOrigin + performance.now();
const hex = (b) => Buffer.from(b).toString('hex');
const withPeer = (addrs, peerId) => addrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`));

/** Resolves when `get()` returns a value (checked on each `subscribe` signal and every 20 ms). */
function waitValue(get, timeoutMs) {
  return new Promise((resolve, reject) => {
    const first = get();
    if (first !== undefined) return resolve(first);
    const iv = setInterval(() => {
      const v = get();
      if (v !== undefined) {
        clearInterval(iv);
        clearTimeout(to);
        resolve(v);
      }
    }, 20);
    const to = setTimeout(() => {
      clearInterval(iv);
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

export class LabController {
  static async start({ config, env }) {
    const node = await PausenetNode.create(parseNodeConfig(config), { env: { ...process.env, ...env } });
    await node.start();
    return new LabController(node);
  }

  constructor(node) {
    this.node = node;
    /** `${action}:${height}` -> wall ms when the hook was first seen done ('ok'). */
    this.hookAt = new Map();
    /** height -> wall ms of each stage on the pause path (first time this node got there). */
    this.stages = new Map();
    this.votesAt = new Map();
    node.onChange(() => this.scanHooks());
    // Stage trace: wrap the agreement's one entry (every message the ingest path accepted, gossip, sync and
    // local alike, reaches it once, after it is stored).
    const agreement = node.agreement;
    const apply = agreement.apply.bind(agreement);
    agreement.apply = (v) => {
      if (v.stored) this.traceAccepted(v.kind, v.msg, v.source);
      apply(v);
    };
  }

  mark(height, stage) {
    let s = this.stages.get(height);
    if (!s) {
      s = {};
      this.stages.set(height, s);
    }
    if (s[stage] === undefined) s[stage] = wallMs();
  }

  traceAccepted(kind, msg, source) {
    const h = this.node.agreement.height + 1;
    if (kind === 'evidence') this.mark(h, 'evidence');
    else if (kind === 'vote') {
      const vh = msg.vote.height;
      if (source === 'local') this.mark(vh, 'ownVote');
      const n = (this.votesAt.get(vh) ?? 0) + 1;
      this.votesAt.set(vh, n);
      if (n === this.node.genesis.threshold) this.mark(vh, 'tVotes');
    } else if (kind === 'certificate')
      this.mark(msg.height, source === 'local' ? 'certFormed' : 'certReceived');
  }

  /** Stage times (wall ms) for `height`, plus when its halt/resume hook was seen done. */
  trace(height) {
    this.scanHooks();
    const s = { ...(this.stages.get(height) ?? {}) };
    const hook = this.hookAt.get(`halt:${height}`) ?? this.hookAt.get(`resume:${height}`);
    if (hook !== undefined) s.hookDone = hook;
    return s;
  }

  scanHooks() {
    const now = wallMs();
    for (const h of this.node.agreement.status().hooks ?? []) {
      const key = `${h.action}:${h.height}`;
      if (h.status === 'ok' && !this.hookAt.has(key)) this.hookAt.set(key, now);
    }
  }

  info() {
    return { peerId: this.node.peerId, addrs: withPeer(this.node.multiaddrs, this.node.peerId) };
  }

  /** Peers connected and peers known subscribed to each gossip topic. */
  state() {
    const ps = this.node.host.services.pubsub;
    const a = this.node.agreement.status();
    return {
      peers: this.node.host.getPeers().length,
      minSubscribers: Math.min(
        ...['evidence', 'votes', 'certificates', 'commitments'].map(
          (k) => ps.getSubscribers(topicName(this.node.networkIdHex, k)).length,
        ),
      ),
      height: a.height,
      state: a.state,
      commitments: this.node.store.commitments.count(),
    };
  }

  /** Publish breach evidence through the node's own path; returns the wall ms just before. */
  async publishEvidence(evidenceHex) {
    const se = decodeSignedEvidence(Buffer.from(evidenceHex, 'hex'));
    const t0 = wallMs();
    const v = await this.node.publish('evidence', se);
    if (!v.ok) throw new Error(`evidence not accepted: ${v.code} ${v.detail}`);
    return t0;
  }

  async approve(height, target) {
    return this.node.agreement.approve(height, target);
  }

  /** Wall ms at which the `action` hook for `height` completed. */
  waitHook(height, action, timeoutMs = 60_000) {
    return waitValue(() => {
      this.scanHooks();
      return this.hookAt.get(`${action}:${height}`);
    }, timeoutMs);
  }

  rss() {
    return process.memoryUsage().rss;
  }

  /** CPU ms (user + system) this process has used so far. */
  cpuMs() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }

  /** Peers this node has banned (flood defence). */
  bannedPeers() {
    return this.node.bans.list();
  }

  /** Gossip verdict counts of this node: {accept, reject, ignore}. */
  async verdicts() {
    const m = await this.node.metrics.messages.get();
    const out = { accept: 0, reject: 0, ignore: 0 };
    for (const v of m.values)
      if (v.labels.source === 'gossip') out[v.labels.result] = (out[v.labels.result] ?? 0) + v.value;
    return out;
  }

  async stop() {
    await this.node.stop();
  }
}

export class RawController {
  static async start({ networkIdHex, bootstrap = [] }) {
    const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), bootstrap, networkIdHex });
    await host.start();
    return new RawController(host, networkIdHex);
  }

  constructor(host, networkIdHex) {
    this.host = host;
    this.networkIdHex = networkIdHex;
    this.topic = topicName(networkIdHex, 'evidence');
    /** message tag (hex sha256 of data) -> wall ms received */
    this.recvAt = new Map();
    this.count = 0;
    host.services.pubsub.addEventListener('message', (evt) => {
      this.count++;
      const tag = hex(createHash('sha256').update(evt.detail.data).digest());
      if (!this.recvAt.has(tag)) this.recvAt.set(tag, wallMs());
    });
    for (const k of ['evidence', 'votes', 'certificates', 'commitments'])
      host.services.pubsub.subscribe(topicName(networkIdHex, k));
  }

  info() {
    return {
      peerId: this.host.peerId.toString(),
      addrs: withPeer(this.host.getMultiaddrs().map(String), this.host.peerId.toString()),
    };
  }

  /**
   * Connect to every addr and keep the connections: re-dial lost peers every second, as the node does
   * with its known peers (libp2p admits only 5 inbound connections/s from one IP, and under load its
   * connection monitor drops peers whose pings time out; here every peer is 127.0.0.1).
   */
  async dial(addrs) {
    const { multiaddr } = await import('@multiformats/multiaddr');
    const wanted = addrs.map((a) => ({ ma: multiaddr(a), peer: a.split('/p2p/')[1] }));
    const tick = () => {
      const connected = new Set(this.host.getPeers().map(String));
      for (const w of wanted) {
        if (connected.has(w.peer) || w.dialing) continue;
        w.dialing = true;
        this.host
          .dial(w.ma, { signal: AbortSignal.timeout(20_000) })
          .catch(() => undefined)
          .finally(() => {
            w.dialing = false;
          });
      }
    };
    tick();
    clearInterval(this.keeper);
    this.keeper = setInterval(tick, 1000);
    return wanted.length;
  }

  state() {
    return {
      peers: this.host.getPeers().length,
      minSubscribers: this.host.services.pubsub.getSubscribers(this.topic).length,
    };
  }

  /** Publish `hexData` on the evidence topic; returns [wall ms before, tag]. */
  async publish(hexData) {
    const data = Buffer.from(hexData, 'hex');
    const t0 = wallMs();
    await this.host.services.pubsub.publish(this.topic, data);
    return [t0, hex(createHash('sha256').update(data).digest())];
  }

  /**
   * Start flooding the commitments topic with forged copies of a valid signed commitment (random
   * signatures: each a distinct, well-formed message that fails C_SIGNATURE) until floodStop().
   */
  floodStart(commitmentHex) {
    const sc = decodeSignedCommitment(Buffer.from(commitmentHex, 'hex'));
    const topic = topicName(this.networkIdHex, 'commitments');
    this.flood = { sent: 0, failed: 0, stop: false, start: performance.now() };
    const f = this.flood;
    f.done = (async () => {
      while (!f.stop) {
        if (this.host.getPeers().length === 0) {
          // Banned or disconnected everywhere: a real flooder's CPU is on its own machine, not the labs'.
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const signature = new Uint8Array(64);
        crypto.getRandomValues(signature);
        try {
          await this.host.services.pubsub.publish(topic, encodeSignedCommitment({ ...sc, signature }));
          f.sent++;
        } catch {
          f.failed++; // no peer takes our messages any more (graylisted / pruned)
          await new Promise((r) => setTimeout(r, 1));
        }
        if (f.sent % 32 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    return true;
  }

  /** Stop the flood; returns {sent, ms}. */
  async floodStop() {
    const f = this.flood;
    f.stop = true;
    await f.done;
    return { sent: f.sent, failed: f.failed, ms: performance.now() - f.start };
  }

  waitRecv(tag, timeoutMs = 30_000) {
    return waitValue(() => this.recvAt.get(tag), timeoutMs);
  }

  async stop() {
    clearInterval(this.keeper);
    await this.host.stop();
  }
}

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
const CALL_TIMEOUT_MS = 120_000;

/** A controller in a child process; `call(method, ...args)` mirrors the controller's methods. */
export class ChildHandle {
  static async spawn(kind, init) {
    // BENCH_CPU_PROF=dir: every child writes a V8 CPU profile there (where the time goes).
    const prof = process.env.BENCH_CPU_PROF;
    const proc = fork(CHILD, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(prof ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}),
    });
    const h = new ChildHandle(proc);
    await h.call('init', kind, init);
    return h;
  }

  constructor(proc) {
    this.proc = proc;
    this.pid = proc.pid;
    this.next = 1;
    this.pending = new Map();
    proc.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    proc.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`bench child exited with ${code}`));
      this.pending.clear();
    });
  }

  call(method, ...args) {
    return this.callWithin(CALL_TIMEOUT_MS, method, ...args);
  }

  /** Like call, failing after `ms` (no bench step may hang). */
  callWithin(ms, method, ...args) {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`bench child ${this.pid}: ${method} timed out after ${ms} ms`));
      }, ms);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, method, args });
    });
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.callWithin(10_000, 'stop').catch(() => undefined);
    await exited;
    clearTimeout(killer);
  }
}

/** The same `call` interface over a controller in this process. */
export class LocalHandle {
  static async spawn(kind, init) {
    const c = kind === 'lab' ? await LabController.start(init) : await RawController.start(init);
    return new LocalHandle(c);
  }

  constructor(controller) {
    this.c = controller;
    this.pid = process.pid;
  }

  async call(method, ...args) {
    return this.c[method](...args);
  }

  async stop() {
    await this.c.stop();
  }
}
