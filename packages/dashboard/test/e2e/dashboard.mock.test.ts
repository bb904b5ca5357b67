import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFromJson } from '@pausenet/protocol';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditAccessibility,
  type DashboardBrowser,
  launchDashboardBrowser,
  openDashboard,
  readVerified,
  screenshot,
  waitForState,
} from '../helpers/browser.js';
import { type MockNode, startMockNode } from '../helpers/mock-node.js';

const pkgDir = new URL('../..', import.meta.url).pathname;

async function expectPng(file: string): Promise<void> {
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect((await stat(file)).size).toBeGreaterThan(20_000);
}

// Generous timeouts: a cold Chromium start under a loaded CI machine takes seconds.
describe('dashboard in headless Chromium (mock API)', { timeout: 120_000 }, () => {
  let distDir: string;
  let browser: DashboardBrowser;
  const mocks: MockNode[] = [];

  beforeAll(async () => {
    // Build the current sources (the same Vite config as `npm run build`) into a temp dir.
    distDir = await mkdtemp(join(tmpdir(), 'pausenet-dashboard-dist-'));
    await build({
      configFile: join(pkgDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: distDir, emptyOutDir: true },
    });
    browser = await launchDashboardBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(mocks.map((m) => m.close()));
    if (distDir) await rm(distDir, { recursive: true, force: true });
  });

  it('(mock API) shows RUNNING, turns PAUSED live with a browser-verified certificate, then RUNNING', async () => {
    const node = await startMockNode({ distDir });
    mocks.push(node);
    const page = await openDashboard(browser, node.url);
    await waitForState(page, 'RUNNING', { height: 0 });
    expect(await readVerified(page)).toMatchObject({ result: 'none' });
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });

    // Members: 4 labs, lab-c missed one deadline, lab-d is not connected.
    await page.waitForSelector('tr[data-lab="lab-d"]');
    expect(await page.locator('table.members tbody tr').count()).toBe(4);
    expect(await page.locator('tr[data-lab="lab-c"]').getAttribute('class')).toContain('row-missed');
    expect(await page.locator('tr[data-lab="lab-d"]').textContent()).toContain('not connected');
    expect(await page.locator('svg.chart circle').count()).toBeGreaterThan(30);
    const running = await screenshot(page, 'dashboard-running');
    await expectPng(running);

    // Breach: evidence and the over-cap commitment appear without a reload.
    node.breach();
    await page.waitForSelector('tr[data-lab="lab-b"].row-over');
    await page.waitForSelector('.kind-cap-exceeded');
    expect(await page.locator('.episode-pending').textContent()).toContain('Votes 1/3');

    // Certificate: the page flips to PAUSED over SSE and verifies the group signature itself.
    node.certify();
    node.hooksRan(1, 'halt');
    await waitForState(page, 'PAUSED', { height: 1 });
    const t0 = Date.now();
    expect(await readVerified(page)).toMatchObject({
      result: 'verified',
      text: '✓ Verified in your browser',
    });
    const verifyMs = await page.evaluate(() => document.body.dataset['lastVerifyMs']);
    console.log(`in-page BLS verify: ${verifyMs} ms (badge visible ${Date.now() - t0} ms after PAUSED)`);
    expect(await page.locator('[data-testid="signers"]').textContent()).toBe('lab-a, lab-b, lab-d (3)');
    expect(await page.locator('[data-testid="conn"]').getAttribute('data-mode')).toBe('live');
    await page.waitForFunction(() =>
      document.querySelector('.step-hooks')?.textContent?.includes('slurm-main ok'),
    );
    expect(await page.title()).toMatch(/^PAUSED/);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    // WCAG 2.1 AA rules (contrast, names, landmarks, tables) hold in the PAUSED state with all sections filled.
    expect(await auditAccessibility(page)).toEqual([]);
    const paused = await screenshot(page, 'dashboard-paused');
    await expectPng(paused);
    await expectPng(await screenshot(page, 'dashboard-paused-viewport', { fullPage: false }));

    // The downloadable chain is exactly GET /v1/certificates, and each element parses as a certificate.
    const href = (await page.locator('[data-testid="download-chain"]').getAttribute('href'))!;
    const chain = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
    const served = await (await fetch(new URL('v1/certificates', node.url))).json();
    expect(chain).toEqual(served);
    expect(certificateFromJson(chain[0]).height).toBe(1);

    // Resume.
    node.certify();
    await waitForState(page, 'RUNNING', { height: 2 });
    expect(await readVerified(page)).toMatchObject({ result: 'verified' });
    expect(await page.locator('table.certs [data-result="verified"]').count()).toBe(2);
    await expectPng(await screenshot(page, 'dashboard-resumed'));

    // Keyboard: the first Tab reaches the skip link, which moves focus into <main>.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Served under a strict CSP (no inline script/style, nothing off-host): no violations, no errors.
    expect(browser.externalRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    await page.close();
  });

  it('(mock API) reports a tampered certificate as NOT verified', async () => {
    const node = await startMockNode({ distDir });
    mocks.push(node);
    node.certify({ tamper: true });
    const page = await openDashboard(browser, node.url);
    await waitForState(page, 'PAUSED', { height: 1 });
    const v = await readVerified(page);
    expect(v.result).toBe('failed');
    expect(v.text).toContain('NOT verified');
    await page.close();
  });

  it('(mock API) falls back to polling without SSE and fits a phone screen', async () => {
    const node = await startMockNode({ distDir, sse: false });
    mocks.push(node);
    const page = await openDashboard(browser, node.url, { viewport: { width: 390, height: 844 } });
    await waitForState(page, 'RUNNING', { height: 0 });
    node.breach();
    node.certify();
    await waitForState(page, 'PAUSED', { height: 1, timeoutMs: 15_000 });
    expect(await readVerified(page)).toMatchObject({ result: 'verified' });
    expect(await page.locator('[data-testid="conn"]').getAttribute('data-mode')).toBe('polling');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectPng(await screenshot(page, 'dashboard-phone-paused'));
    await page.close();
  });
});
