import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface DashboardFiles {
  dir: string;
  /** Content-Security-Policy for the page (from the dashboard package). */
  csp: string | null;
}

// Optional peer: resolved at run time so the node works without it installed.
const DASHBOARD_PKG = '@pausenet/dashboard';

/** The dashboard's built files (`@pausenet/dashboard`), or null if it is not installed/built. */
export async function findDashboard(): Promise<DashboardFiles | null> {
  try {
    const m = (await import(DASHBOARD_PKG)) as { dashboardDir?: () => string; DASHBOARD_CSP?: string };
    const dir = m.dashboardDir?.();
    if (dir && existsSync(join(dir, 'index.html'))) return { dir, csp: m.DASHBOARD_CSP ?? null };
  } catch {
    // fall through to the package layout
  }
  try {
    const pkg = createRequire(import.meta.url).resolve(`${DASHBOARD_PKG}/package.json`);
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? { dir, csp: null } : null;
  } catch {
    return null;
  }
}

/** Serve `urlPath` from `root` (no path escapes); false if no such file. */
export function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  csp: string | null = null,
): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return false;
  }
  const file = join(root, normalize(decoded).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(root + sep)) return false;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(csp && type.startsWith('text/html') ? { 'content-security-policy': csp } : {}),
  });
  res.end(readFileSync(file));
  return true;
}
