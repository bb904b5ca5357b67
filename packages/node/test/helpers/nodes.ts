import { toHex } from '@pausenet/protocol';
import type { NodeConfig } from '../../src/config.js';
import { PausenetNode, type PausenetNodeOptions } from '../../src/node.js';

export { apiGet as get, apiPost as post, apiToken } from '@pausenet/testkit/network';

/** Create and start a node; the caller stops it. */
export async function startNode(config: NodeConfig, opts: PausenetNodeOptions = {}): Promise<PausenetNode> {
  const node = await PausenetNode.create(config, opts);
  await node.start();
  return node;
}

/** Every stored commitment as "lab#seq:hash" lines, sorted: equal strings = identical per-lab chains. */
export function chainDigest(node: PausenetNode): string {
  const rows = node.store.commitments.byEpoch(undefined, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return rows.map((r) => `${r.lab}#${r.seq}:${toHex(r.hash)}`).join('\n');
}
