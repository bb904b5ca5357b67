// Bench child process: hosts one LabController, RawController, DelayRelay or DelayPinger and serves its methods over IPC.
import '../../../packages/node/dist/polyfill.js';
import { DelayRelay } from './delay.mjs';
import { LabController, RawController } from './lab.mjs';
import { DelayPinger } from './netdelay.mjs';

const KINDS = { lab: LabController, raw: RawController, relay: DelayRelay, pinger: DelayPinger };

let controller;
process.on('message', async ({ id, method, args }) => {
  try {
    let result;
    if (method === 'init') {
      const [kind, init] = args;
      controller = await KINDS[kind].start(init);
      result = controller.info();
    } else if (method === 'stop') {
      // Bounded: a libp2p stop that hangs on a half-closed stream must not hold the bench.
      await Promise.race([controller?.stop(), new Promise((r) => setTimeout(r, 5_000))]);
      process.send({ id, result: true }, () => process.exit(0));
      return;
    } else {
      result = await controller[method](...args);
    }
    process.send({ id, result });
  } catch (e) {
    process.send({ id, error: String(e?.stack ?? e) });
  }
});
// Never outlive the bench: exit when the parent goes away.
process.on('disconnect', () => process.exit(0));
