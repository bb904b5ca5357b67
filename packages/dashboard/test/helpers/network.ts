/**
 * The live local network of the dashboard's e2e test: the test kit's in-process network (member and
 * observer PausenetNodes over TCP on 127.0.0.1, SQLite stores, `file` halt hooks) with readable lab names
 * and 1-minute epochs, so the page's 12-epoch chart holds still during a test.
 */
import type { PausenetNode } from '@pausenet/node';
import {
  apiGet,
  apiPost,
  type LocalMember,
  type LocalNetwork,
  startLocalNetwork,
} from '@pausenet/testkit/network';
import { CAPS, EPOCH_MS, LAB_NAMES } from './constants.js';

export { EPOCH_MS };

/** `labs` members (t = floor(2n/3)+1, test-dealer BLS shares, each with a `file` halt hook) and `observers`. */
export function startDashboardNetwork(opts: { labs: number; observers: number }): Promise<LocalNetwork> {
  return startLocalNetwork({
    ...opts,
    names: LAB_NAMES,
    name: 'pausenet-dashboard-e2e',
    fileHooks: true,
    // tmpfs when available: five stores fsync every commit on a disk the whole suite shares; this test is
    // about the page, the store's durability is tested in packages/node.
    root: 'tmpfs',
    prefix: 'pn-dash-net-',
    // Deadlines pass within the page's 12-epoch window (genesisTime is 600 epochs back), so the page must
    // tell epochs before the network ran from missed ones.
    policy: { epochMs: EPOCH_MS, deadlineMs: 30_000, caps: CAPS },
  });
}

/** POST JSON to a member's API with its bearer token; throws with the body on a non-2xx answer. */
export async function postAs(m: LocalMember, path: string, body: unknown): Promise<unknown> {
  const res = await apiPost(m.node, path, body, m.token);
  if (res.status < 200 || res.status > 299)
    throw new Error(`${m.id} POST ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET JSON from a node's API. */
export async function getJson<T = unknown>(node: PausenetNode, path: string): Promise<T> {
  const res = await apiGet(node, path);
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.body as T;
}
