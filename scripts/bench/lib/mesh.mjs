// Waiting for a bench network's full gossip mesh, repairing peers gossipsub lost on the way.
import { progress, sleep } from './net.mjs';

/**
 * Wait until every lab is connected to and knows the gossip subscriptions of every other lab. A peer
 * that stays connected but forgotten by gossipsub (LabController.gossipOrphans) for 5 s is repaired
 * by a reconnect; returns how many such repairs it took (each a real gossipsub failure mode, reported).
 */
export async function waitMeshed(labs, n, timeoutMs = 180_000, what = 'labs') {
  const end = Date.now() + timeoutMs;
  const orphanSince = new Map();
  let repairs = 0;
  let lastReport = Date.now();
  for (;;) {
    const st = await Promise.all(labs.map((h) => h.call('state')));
    if (st.every((s) => s.peers >= n - 1 && s.minSubscribers >= n - 1)) return repairs;
    const orphans = await Promise.all(labs.map((h) => h.call('gossipOrphans')));
    const seen = `peers ${st.map((s) => s.peers).join(',')}; subscribed ${st.map((s) => s.minSubscribers).join(',')}; gossip orphans ${orphans.map((o) => o.length).join(',')}; repaired ${repairs}`;
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what} to mesh (${seen})`);
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      progress(`${n} ${what}: meshing: ${seen}`);
    }
    const now = Date.now();
    const still = new Map();
    for (const [i, list] of orphans.entries()) {
      // a peer counts once it has been an orphan for 5 s (a new connection needs a moment to subscribe)
      const old = list.filter((p) => now - (orphanSince.get(`${i} ${p}`) ?? now) > 5_000);
      for (const p of list) still.set(`${i} ${p}`, orphanSince.get(`${i} ${p}`) ?? now);
      if (old.length === 0) continue;
      repairs += (await labs[i].call('repairGossipOrphans', old)).length;
      for (const p of old) still.delete(`${i} ${p}`); // a fresh session gets its own 5 s
    }
    orphanSince.clear();
    for (const [k, v] of still) orphanSince.set(k, v);
    await sleep(250);
  }
}
