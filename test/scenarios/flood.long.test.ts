import { readFileSync } from 'node:fs';
import { type HarnessNode, sleep, waitFor } from '@pausenet/testkit/cluster';
import { describe, expect, it } from 'vitest';
import { normalMetrics } from '../harness/driver.js';
import { Session } from '../harness/session.js';

// `npm run test:long`: a member floods 20 000 valid `report` evidence items (docs/protocol.md "Evidence
// floods"). Prints pause latency with and without the flood and each node's CPU per flood item in the
// two halves of the flood (flat = linear total work); asserts only structural properties (no timed
// assertions: the figures go to the report / bench).
const TIMEOUT = 1_800_000;
const ITEMS = 20_000;

/** user+system CPU seconds of a process (Linux /proc). */
function cpuSeconds(n: HarnessNode): number {
  const pid = n.child?.proc.pid;
  if (pid === undefined) return Number.NaN;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** pausenet_messages_total for the evidence topic by code, from a node's /metrics. */
async function verdictCodes(s: Session, n: HarnessNode): Promise<Record<string, number>> {
  const text = await (await fetch(new URL('/metrics', n.apiUrl))).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^pausenet_messages_total\{([^}]*)\} (\d+)/.exec(line);
    if (!m?.[1]?.includes('topic="evidence"')) continue;
    const code = /code="([^"]+)"/.exec(m[1])?.[1] ?? '?';
    out[code] = (out[code] ?? 0) + Number(m[2]);
  }
  s.note(`evidence verdicts on ${n.id}: ${JSON.stringify(out)}`);
  return out;
}

describe('member evidence flood (processes, testDealer keys)', () => {
  it(
    `${ITEMS} valid report items from one member: the quota holds on every node, pauses still complete; figures printed`,
    async () => {
      // PAUSENET_FLOOD_RATE_LIMIT raises the per-peer gossip rate limit (default: the node's own, 50/s) so that
      // every item reaches ingest and the admission rules (quota) are what is measured.
      const limit = Number(process.env.PAUSENET_FLOOD_RATE_LIMIT ?? 0);
      const s = await Session.create('flood', {
        labs: 4,
        observers: 1,
        threshold: 3,
        ...(limit > 0 ? { limits: { perPeerMsgsPerSec: limit } } : {}),
      });
      try {
        const [a, b, c, d] = s.cluster.labs as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
        const all = s.cluster.nodes;
        await s.start();
        await s.commit(a);
        await s.commit(c);
        // Baseline: breach -> every lab halted.
        let t = Date.now();
        await s.commit(b, 'breach');
        await s.cluster.waitHooks([a, b, c, d], 1, 'halt');
        const baselineMs = Date.now() - t;
        await s.approve([a, b, c], { height: 2, target: 'RUNNING' });
        await s.cluster.waitHeight(all, 2, 'RUNNING');

        const adv = await s.startAdversary();
        const cpu0 = all.map(cpuSeconds);
        const half = adv.run(
          { kind: 'report-flood', lab: 'lab-a', count: ITEMS / 2, ratePerSec: 2_000 },
          (x) => s.note(x),
        );
        await half;
        await sleep(2_000);
        const cpu1 = all.map(cpuSeconds);
        // Second half, and a breach in the middle of it.
        const rest = adv.run(
          { kind: 'report-flood', lab: 'lab-a', count: ITEMS / 2, ratePerSec: 2_000 },
          (x) => s.note(x),
        );
        await sleep(2_000);
        t = Date.now();
        await s.commit(d, { ...normalMetrics(d.index), largestRunFlop: '90000000000000000000000000' });
        await s.cluster.waitHooks([a, b, c, d], 3, 'halt');
        const floodedMs = Date.now() - t;
        await rest;
        await sleep(2_000);
        const cpu2 = all.map(cpuSeconds);
        const perItem = (i: number, from: number[], to: number[]) =>
          Math.round((((to[i] as number) - (from[i] as number)) / (ITEMS / 2)) * 1e6);
        const verdicts = await verdictCodes(s, all[0] as HarnessNode);
        const figures = {
          perPeerMsgsPerSec: limit > 0 ? limit : 'default (50)',
          evidenceVerdictsOnLabA: verdicts,
          baselinePauseMs: baselineMs,
          pauseUnderFloodMs: floodedMs,
          cpuMicrosPerItem: all.map((n, i) => ({
            node: n.id,
            firstHalf: perItem(i, cpu0, cpu1),
            secondHalf: perItem(i, cpu1, cpu2),
          })),
          sent: adv.sent,
        };
        s.note(`figures: ${JSON.stringify(figures)}`);
        process.stdout.write(`FLOOD_FIGURES ${JSON.stringify(figures)}\n`);
        const quota = s.cluster.genesis.policy.judgedQuotaPerEpoch;
        await waitFor(
          'evidence to settle',
          async () => {
            const counts = await Promise.all(
              all.map((n) =>
                s.cluster.api<{ reporter: string; evidence: { kind: string } }[]>(n, 'GET', '/v1/evidence'),
              ),
            );
            return counts.every(
              (list) =>
                list.filter((e) => e.reporter === 'lab-a' && e.evidence.kind === 'report').length <= quota,
            )
              ? true
              : undefined;
          },
          { timeoutMs: 60_000 },
        );
        const report = await s.finish();
        expect(report.ok, report.text).toBe(true);
      } catch (err) {
        await s.close(err);
        throw err;
      }
      await s.close();
    },
    TIMEOUT,
  );
});
