import './../../packages/node/dist/polyfill.js';
import { LabController } from './lib/lab.mjs';
import { makeBenchNetwork } from './lib/net.mjs';
import { commitmentChain } from './lib/throughput.mjs';

const net = await makeBenchNetwork({ labs: 4 });
const msgs = commitmentChain(net, net.labs[0], 3000).map((c) => c.bytes);
const lab = await LabController.start({
  config: net.memberConfig(1, { limits: { perPeerMsgsPerSec: 1e9 } }),
  env: net.env,
});
const t0 = performance.now();
let ok = 0;
for (const m of msgs) {
  const v = lab.node.ingest.ingestBytes('commitment', m, { source: 'gossip', peer: 'x' });
  if (v.validation.ok) ok++;
  await v.applied;
}
const ms = performance.now() - t0;
console.log(
  `ingest ${ok}/${msgs.length} in ${ms.toFixed(0)} ms = ${((ms / msgs.length) * 1000).toFixed(0)} us/msg`,
);
await lab.stop();
net.cleanup();
