import { createLogger, PausenetNode } from '@pausenet/node';
import { CliError, toCliError } from '../errors.js';
import { loadConfigFile, passphraseSourceOf } from '../io/node-config.js';
import { resolvePassphrase } from '../io/passphrase.js';
import type { StartOptions } from './start.js';

/** The `start` action (loaded lazily to keep CLI start-up fast). */
export async function runStartCommand(o: StartOptions): Promise<void> {
  const config = loadConfigFile(o.config);
  if (o.logLevel) {
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
    if (!levels.includes(o.logLevel))
      throw new CliError('USAGE', `--log-level must be one of ${levels.join('|')}, got "${o.logLevel}"`);
    config.logLevel = o.logLevel as typeof config.logLevel;
  }
  let passphrase: string | undefined;
  if (config.role === 'member' && config.keystore) {
    const src = passphraseSourceOf(config, o.passphraseFile);
    if (o.passphraseFile) config.keystore = { ...config.keystore, passphraseFile: o.passphraseFile };
    // env or TTY prompt: handed to the node directly, never through an environment variable (every
    // child process, e.g. an exec hook, would inherit it); resolvePassphrase deletes the env var it read.
    else if (!src.file) passphrase = await resolvePassphrase(src);
  }
  // Everything `start` prints is a JSON line (docs/node.md "Logs"): the node's log on stderr at the
  // configured level, and its lifecycle (started, signal, stopped) on stdout, always (it is three lines).
  const logger = createLogger(config.logLevel, { role: config.role });
  let lifecycle = createLogger(config.logLevel === 'silent' ? 'silent' : 'info', { role: config.role }, 1);
  // Node.js prints its own warnings (e.g. MaxListenersExceededWarning) as plain text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (w) =>
    logger.warn({ event: 'process.warning', name: w.name, err: w.message }, 'Node.js warning'),
  );
  const ctx = { configFile: o.config, dataDir: config.dataDir };
  // Signals are handled from before the node starts, so a SIGTERM while it starts, or the moment "started" is
  // printed, stops it gracefully once start() has returned (without a listener Node.js dies at once).
  let stopRequested = false;
  let requestStop = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) {
      lifecycle.warn({ event: 'node.exit_now', signal: sig }, `second ${sig}, exiting now`);
      process.exit(130);
    }
    stopRequested = true;
    lifecycle.info({ event: 'node.signal', signal: sig }, `${sig} received, shutting down`);
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let node: PausenetNode | undefined;
  try {
    node = await PausenetNode.create(config, { logger, ...(passphrase !== undefined ? { passphrase } : {}) });
    lifecycle = lifecycle.child({ self: node.self?.lab ?? null, peerId: node.peerId });
    await node.start();
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // release what did start (store lock, sockets) before reporting; never hang on it
    if (node) await Promise.race([node.stop().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
    throw toCliError(err, ctx);
  }
  const started = node;
  if (!stopRequested)
    lifecycle.info(
      {
        event: 'node.started',
        api: started.apiUrl,
        multiaddrs: started.multiaddrs,
        network: started.networkIdHex,
      },
      `pausenet ${config.role} started: peer ${started.peerId}, api ${started.apiUrl}, listening ${started.multiaddrs.join(' ')}`,
    );
  await stopSignal;
  await started
    .stop()
    .catch((err: unknown) =>
      lifecycle.error({ event: 'node.stop_failed', err: (err as Error).message }, 'error during shutdown'),
    );
  lifecycle.info({ event: 'node.stopped' }, 'pausenet stopped');
}
