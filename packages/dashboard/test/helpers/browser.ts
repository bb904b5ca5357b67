/**
 * Reusable real-browser driver for dashboard end-to-end tests: Debian's headless Chromium driven by
 * playwright-core. Used by this package's "(mock API)" test and by the multi-node e2e (observer node).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['PAUSENET_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless run (no sandbox: CI containers run as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface DashboardBrowser {
  context: BrowserContext;
  /** URLs the page requested outside 127.0.0.1/localhost/data:/blob: (must stay empty: no CDN). */
  externalRequests: string[];
  /** Console errors and uncaught exceptions of pages opened with openDashboard (CSP violations land here). */
  pageErrors: string[];
  /** Close the browser and delete its fresh user-data-dir. */
  close(): Promise<void>;
}

/** Launch headless Chromium with a fresh profile; record (and block) any off-host request. */
export async function launchDashboardBrowser(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<DashboardBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'pausenet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      timeout: 30_000,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const externalRequests: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (local || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    externalRequests.push(url.href);
    return route.abort();
  });
  return {
    context,
    externalRequests,
    pageErrors: [],
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Open the dashboard at `url` (the node's base URL) and wait until it has loaded genesis and status. */
export async function openDashboard(
  b: DashboardBrowser,
  url: string,
  opts: { viewport?: { width: number; height: number }; timeoutMs?: number } = {},
): Promise<Page> {
  const page = await b.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') b.pageErrors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => b.pageErrors.push(`pageerror: ${err.message}`));
  if (opts.viewport) await page.setViewportSize(opts.viewport);
  await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs ?? 15_000 });
  await page.waitForSelector('body[data-ready="true"] [data-testid="state"]', {
    timeout: opts.timeoutMs ?? 15_000,
  });
  return page;
}

/** Wait until the big state banner reads `state` (and, if given, the height matches). */
export async function waitForState(
  page: Page,
  state: 'RUNNING' | 'PAUSED',
  opts: { height?: number; timeoutMs?: number } = {},
): Promise<void> {
  await page.waitForFunction(
    ([want, height]) => {
      const text = document.querySelector('[data-testid="state"]')?.textContent ?? '';
      const h = document.querySelector('[data-testid="height"]')?.textContent ?? '';
      return text.includes(want as string) && (height === null || h === String(height));
    },
    [state, opts.height ?? null] as const,
    { timeout: opts.timeoutMs ?? 30_000, polling: 100 },
  );
}

export type VerifiedResult = 'verified' | 'failed' | 'none';

/** Read the state banner's "verified in your browser" badge once its check has finished. */
export async function readVerified(
  page: Page,
  opts: { timeoutMs?: number } = {},
): Promise<{ result: VerifiedResult; text: string }> {
  const badge = page.locator('[data-testid="verified"]');
  await page.waitForFunction(
    () => {
      const r = document.querySelector('[data-testid="verified"]')?.getAttribute('data-result');
      return r === 'verified' || r === 'failed' || r === 'none';
    },
    undefined,
    { timeout: opts.timeoutMs ?? 30_000, polling: 100 },
  );
  const result = (await badge.getAttribute('data-result')) as VerifiedResult;
  return { result, text: (await badge.textContent()) ?? '' };
}

/** Where screenshots go: $PAUSENET_SCREENSHOT_DIR, else one fixed temp dir overwritten on each run. */
export function screenshotDir(): string {
  return process.env['PAUSENET_SCREENSHOT_DIR'] ?? join(tmpdir(), 'pausenet-screenshots');
}

/** PNG screenshot (full page unless `fullPage: false`) into `dir` (created if needed); returns the path. */
export async function screenshot(
  page: Page,
  name: string,
  opts: { dir?: string; fullPage?: boolean } = {},
): Promise<string> {
  const dir = opts.dir ?? screenshotDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Run axe-core's WCAG 2.1 A/AA rules in the page (injected over DevTools, so the page's CSP still holds). */
export async function auditAccessibility(page: Page): Promise<AxeViolation[]> {
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } })
      .axe;
    interface AxeResults {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}
