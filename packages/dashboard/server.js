import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the built dashboard (index.html + assets/); the node serves it at GET /. */
export function dashboardDir() {
  return join(dirname(fileURLToPath(import.meta.url)), 'dist');
}

/** Content-Security-Policy the page works under: everything from the node itself, nothing else. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
