// The test launcher of one pausenet node process: what `pausenet start` does, plus two test-only knobs
// that need no change in the node: a clock skew passed as `now` (PAUSENET_CLOCK_SKEW_MS), and, with a
// control file, a connection gater whose blocklist the harness rewrites at run time to disconnect or
// partition this node. Prints one line `pausenet <role> started: peer <id>, api <url>, listening <addrs>`
// when ready (spawnNode in src/process.ts reads it), stops cleanly on SIGTERM/SIGINT.
// usage: node node-main.mjs <config.yaml> [control.json]
import '@pausenet/node/polyfill';
import { readFileSync } from 'node:fs';
import { createLogger, loadNodeConfig, PausenetNode } from '@pausenet/node';

const [configFile, controlFile] = process.argv.slice(2);
const skewMs = Number(process.env.PAUSENET_CLOCK_SKEW_MS ?? '0');
let blocked = new Set();
const readControl = () => {
  if (!controlFile) return new Set();
  try {
    return new Set(JSON.parse(readFileSync(controlFile, 'utf8')).blocked ?? []);
  } catch {
    return new Set();
  }
};
blocked = readControl();
const deny = (peer) => blocked.has(peer.toString());
const connectionGater = {
  denyDialPeer: deny,
  denyInboundEncryptedConnection: deny,
  denyOutboundEncryptedConnection: deny,
  denyInboundUpgradedConnection: deny,
  denyOutboundUpgradedConnection: deny,
};
const config = loadNodeConfig(configFile);
const logger = createLogger(config.logLevel, { role: config.role });
const node = await PausenetNode.create(config, {
  logger,
  connectionGater,
  ...(skewMs ? { now: () => Date.now() + skewMs } : {}),
});
await node.start();
process.stdout.write(
  `pausenet ${config.role} started: peer ${node.peerId}, api ${node.apiUrl}, listening ${node.multiaddrs.join(' ')}\n`,
);
let last = JSON.stringify([...blocked].sort());
const poll = setInterval(() => {
  if (!controlFile) return;
  blocked = readControl();
  const now = JSON.stringify([...blocked].sort());
  if (now !== last) process.stdout.write(`harness: blocklist ${now}\n`);
  last = now;
  for (const c of node.host.getConnections())
    if (blocked.has(c.remotePeer.toString())) void c.close().catch(() => {});
}, 100);
let stopping = false;
const onSignal = () => {
  if (stopping) process.exit(130);
  stopping = true;
  clearInterval(poll);
  node
    .stop()
    .catch(() => {})
    .finally(() => {
      process.stdout.write('pausenet stopped\n');
      process.exit(0);
    });
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
