// Messages per lab per transition from LabController.counters() snapshots taken around a window of
// pause/resume cycles (every cycle is two transitions: pause and resume).
import { percentile } from './net.mjs';

const r1 = (x) => Math.round(x * 10) / 10;

function diff(a = {}, b = {}) {
  const out = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}

/** Median over labs of each key of per-lab objects, divided by `transitions`. */
function medianPer(objs, transitions) {
  const keys = new Set(objs.flatMap((o) => Object.keys(o)));
  const out = {};
  for (const k of [...keys].sort()) {
    const v = percentile(
      objs.map((o) => o[k] ?? 0),
      50,
    );
    if (v !== 0) out[k] = r1(v / transitions);
  }
  return out;
}

/**
 * Per lab per transition (median over labs): gossip messages received by kind (all copies, distinct,
 * duplicates = copies of a message already received), messages sent by kind, control entries received
 * (IHAVE/IWANT/IDONTWANT message ids, GRAFT/PRUNE topics), RPCs in/out, sync requests made by method;
 * and the wide-area gater's refusals in the window (sum over labs).
 */
export function messagesPerTransition(before, after, transitions) {
  const per = before.map((b, i) => {
    const a = after[i];
    const all = diff(b.gossip.in, a.gossip.in);
    const distinct = diff(b.gossip.distinct, a.gossip.distinct);
    const dup = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v - (distinct[k] ?? 0)]));
    return {
      all,
      distinct,
      dup,
      sent: diff(b.gossip.out, a.gossip.out),
      ctrl: diff(b.gossip.ctrlIn, a.gossip.ctrlIn),
      rpc: {
        in: a.gossip.rpcIn - b.gossip.rpcIn,
        out: a.gossip.rpcOut - b.gossip.rpcOut,
      },
      sync: diff(b.sync, a.sync),
      denied: diff(b.denied, a.denied),
    };
  });
  const pick = (k) => per.map((p) => p[k]);
  return {
    receivedAll: medianPer(pick('all'), transitions),
    receivedDistinct: medianPer(pick('distinct'), transitions),
    receivedDuplicate: medianPer(pick('dup'), transitions),
    sent: medianPer(pick('sent'), transitions),
    controlReceived: medianPer(pick('ctrl'), transitions),
    rpcs: medianPer(pick('rpc'), transitions),
    syncRequests: medianPer(pick('sync'), transitions),
    gaterDenied: per.reduce(
      (acc, p) => ({ dial: acc.dial + (p.denied.dial ?? 0), inbound: acc.inbound + (p.denied.inbound ?? 0) }),
      { dial: 0, inbound: 0 },
    ),
  };
}
