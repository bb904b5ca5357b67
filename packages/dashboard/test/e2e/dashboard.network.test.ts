import { readFile, stat } from 'node:fs/promises';
import type { PausenetNode } from '@pausenet/node';
import { isHalted, type LocalMember, type LocalNetwork, waitFor } from '@pausenet/testkit/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardBrowser,
  launchDashboardBrowser,
  openDashboard,
  readVerified,
  screenshot,
  waitForState,
} from '../helpers/browser.js';
import { ensureDashboardDist } from '../helpers/dist.js';
import { EPOCH_MS, getJson, postAs, startDashboardNetwork } from '../helpers/network.js';

/** Under-cap epochs per lab before the breach: with the breach epoch they fill the page's 12-epoch chart. */
const HISTORY_EPOCHS = 11;

async function expectPng(file: string): Promise<void> {
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect((await stat(file)).size).toBeGreaterThan(20_000);
}

/** Commitment body for the API: per-lab plausible metrics, `flop` as trainingFlop. */
function commitmentBody(lab: number, epoch: number, flop: bigint): Record<string, unknown> {
  return {
    epoch,
    metrics: {
      trainingFlop: String(flop),
      largestRunFlop: String(flop / 4n),
      maxParams: String(BigInt(70 + 40 * lab) * 10n ** 9n),
      datasetTokens: String(BigInt(12 + 3 * lab) * 10n ** 12n),
      acceleratorHours: String(90_000 + 5_000 * lab + (epoch % 7)),
      utilizationBps: 4200 + 300 * lab,
    },
  };
}

// Against a real network: 4 labs (t = 3) + 1 observer as PausenetNodes over TCP on
// 127.0.0.1 with SQLite stores and file halt hooks; headless Chromium watches the OBSERVER's page.
describe('dashboard in headless Chromium on a live local network (4 labs + observer)', {
  timeout: 120_000,
}, () => {
  let net: LocalNetwork | undefined;
  let browser: DashboardBrowser | undefined;
  const figures: string[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    const dist = await ensureDashboardDist();
    figures.push(`dist ${dist.built ? 'rebuilt' : 'current'} ${Date.now() - t0} ms`);
    const t1 = Date.now();
    net = await startDashboardNetwork({ labs: 4, observers: 1 });
    browser = await launchDashboardBrowser();
    figures.push(`5 nodes + Chromium up ${Date.now() - t1} ms`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
    console.info(`[figures] dashboard e2e (live network): ${figures.join('; ')}`);
  }, 60_000);

  it('observer page: RUNNING, then PAUSED live with a browser-verified certificate after a breach, then RUNNING at 2 after 3 approvals', async () => {
    if (!net || !browser) throw new Error('setup failed');
    const { members } = net;
    const { genesis } = net.files;
    const observer = net.observers[0]!;
    const labB = members[1] as LocalMember;

    // Full mesh: every node sees the other four.
    const t0 = Date.now();
    const peers = async (n: PausenetNode) =>
      (await getJson<{ peers: unknown[] }>(n, '/v1/status')).peers.length;
    for (const n of [...members.map((m) => m.node), observer])
      await waitFor(`${n.peerId} connected to 4 peers`, async () => (await peers(n)) >= 4, {
        timeoutMs: 60_000,
        everyMs: 100,
      });
    figures.push(`full mesh ${Date.now() - t0} ms`);

    // A member node serves the same page: its header names the node's role and lab. Before any lab
    // has committed, the cap cells say so instead of "0% of cap".
    const memberPage = await openDashboard(browser, members[0]!.node.apiUrl);
    await waitForState(memberPage, 'RUNNING', { height: 0 });
    expect(await memberPage.locator('[data-testid="node-role"]').textContent()).toBe('member node · lab-a');
    await memberPage.waitForSelector('tr[data-lab="lab-d"] td.cell-none');
    expect(await memberPage.locator('tr[data-lab="lab-d"] td.cell-none').count()).toBe(4);
    expect(await memberPage.locator('table.members').textContent()).not.toMatch(/0% of cap/);
    // genesisTime is 10 h (600 one-minute epochs) back, but no lab has committed yet: the network was
    // not running then, so no epoch shows as missed (in the table or the chart).
    expect(await memberPage.locator('table.members .missed').count()).toBe(0);
    expect(await memberPage.locator('#chart .miss-mark').count()).toBe(0);
    await memberPage.close();

    // A few epochs of under-cap history from every lab, so members and the chart have data.
    const current = Math.floor((Date.now() - genesis.policy.genesisTime) / EPOCH_MS);
    const tHistory = Date.now();
    const flop = (lab: number, k: number) => (BigInt(30 + 12 * lab + 3 * k) * 10n ** 26n) / 100n;
    // Labs commit concurrently; each lab's chain is sequential (seq/prev).
    await Promise.all(
      members.map(async (m, i) => {
        for (let k = 0; k < HISTORY_EPOCHS; k++)
          await postAs(m, '/v1/commitments', commitmentBody(i, current - HISTORY_EPOCHS + k, flop(i, k)));
      }),
    );
    const total = HISTORY_EPOCHS * members.length;
    await waitFor(
      `observer holds all ${total} commitments`,
      async () => (await getJson<unknown[]>(observer, '/v1/commitments')).length === total,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    figures.push(`${total} commitments posted + on the observer ${Date.now() - tHistory} ms`);

    // RUNNING at height 0, nothing to verify, all four labs listed.
    const page = await openDashboard(browser, observer.apiUrl);
    await waitForState(page, 'RUNNING', { height: 0 });
    expect(await readVerified(page)).toMatchObject({ result: 'none' });
    await page.waitForSelector('tr[data-lab="lab-d"]');
    expect(await page.locator('table.members tbody tr').count()).toBe(4);
    expect(await page.locator('[data-testid="node-role"]').textContent()).toBe('observer');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    await expectPng(await screenshot(page, 'network-running'));

    // Breach: lab-b commits a training run over the trainingFlop cap (10^26) through its own API.
    const tBreach = Date.now();
    await postAs(labB, '/v1/commitments', commitmentBody(1, current, 3n * 10n ** 26n));
    await waitForState(page, 'PAUSED', { height: 1, timeoutMs: 45_000 });
    const pausedMs = Date.now() - tBreach;
    const verdict = await readVerified(page);
    expect(verdict).toMatchObject({ result: 'verified', text: '✓ Verified in your browser' });
    figures.push(`breach -> PAUSED in page ${pausedMs} ms, verified +${Date.now() - tBreach - pausedMs} ms`);
    // Live, not reloaded: same window object, SSE connection.
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    expect(await page.locator('[data-testid="conn"]').getAttribute('data-mode')).toBe('live');
    expect(await page.title()).toMatch(/^PAUSED/);
    // The page shows the certificate the observer stores (the one its own BLS check just passed).
    const certs = await getJson<{ height: number; target: string; statement: string; signers: string[] }[]>(
      observer,
      '/v1/certificates',
    );
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({ height: 1, target: 'PAUSED' });
    const signers = (await page.locator('[data-testid="signers"]').textContent()) ?? '';
    expect(signers).toBe(`${certs[0]!.signers.join(', ')} (${certs[0]!.signers.length})`);
    // The group signature does not say who signed: the list is labelled as the node's record.
    expect(await page.locator('.proof-fields dt', { hasText: 'Signers' }).textContent()).toBe(
      'Signers (informational)',
    );
    expect(await page.locator('[data-testid="signers-note"]').textContent()).toMatch(
      /not covered by the check/,
    );
    // The banner says why: the breach the pause acted on, from the observer's open breaches.
    await page.waitForSelector('[data-testid="reason"] li[data-breach]');
    expect(await page.locator('[data-testid="reason"]').textContent()).toMatch(
      new RegExp(
        `Why: \\d+ open breach.*cap-exceeded — lab-b, epoch ${current}: over the Training FLOP cap breach`,
      ),
    );
    expect(certs[0]!.signers.length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.proof code.hex').first().textContent()).toBe(certs[0]!.statement);
    // Evidence and the over-cap row appear; every lab's halt hook really ran.
    await page.waitForSelector('tr[data-lab="lab-b"].row-over');
    await page.waitForSelector('.kind-cap-exceeded');
    await waitFor('every lab halt sentinel written', () => members.every(isHalted), {
      timeoutMs: 30_000,
      everyMs: 100,
    });
    const paused = await screenshot(page, 'network-paused');
    await expectPng(paused);

    // Resume: three lab operators approve RUNNING at height 2.
    const tResume = Date.now();
    for (const m of members.slice(0, 3)) {
      const r = (await postAs(m, '/v1/approve', { height: 2, target: 'RUNNING' })) as { signed: boolean };
      expect(r.signed).toBe(true);
    }
    await waitForState(page, 'RUNNING', { height: 2, timeoutMs: 45_000 });
    figures.push(`3 approvals -> RUNNING in page ${Date.now() - tResume} ms`);
    expect(await readVerified(page)).toMatchObject({ result: 'verified' });
    await waitFor(
      'both certificates verified in the chain table',
      async () => (await page.locator('table.certs [data-result="verified"]').count()) === 2,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await waitFor('every lab resume hook removed its sentinel', () => members.every((m) => !isHalted(m)), {
      timeoutMs: 30_000,
      everyMs: 100,
    });
    // After the resume the banner names what it resolved, and lab-b's over-cap figures are explained as
    // history (resolved by the resume), not shown as a live OVER under a RUNNING banner.
    await page.waitForSelector('[data-testid="reason"] li[data-breach]');
    expect(await page.locator('[data-testid="reason"]').textContent()).toMatch(
      new RegExp(`The resume at height 2 resolves \\d+ breach.*cap-exceeded — lab-b, epoch ${current}: over`),
    );
    await page.waitForSelector('tr[data-lab="lab-b"] td.cell-resolved');
    expect(await page.locator('tr[data-lab="lab-b"].row-over').count()).toBe(0);
    const rowB = page.locator('tr[data-lab="lab-b"]');
    expect(await rowB.locator('td[data-label="Training FLOP"] .bar-pct').textContent()).toMatch(
      /^300% of cap — over; resolved at height 2$/,
    );
    // (1-minute epochs: the breach epoch may have ended meanwhile)
    expect(await rowB.locator('[data-testid="when"]').textContent()).toMatch(
      new RegExp(`^(this epoch|last commitment, epoch ${current}), before the resume at height 2$`),
    );
    expect(await page.locator('table.members').textContent()).not.toMatch(/OVER/);
    await expectPng(await screenshot(page, 'network-resumed'));

    // No CDN, no CSP violations or script errors against the real node either.
    expect(browser.externalRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    figures.push(`screenshots ${paused.replace(/\/[^/]+$/, '')}`);
    await page.close();
  });
});
