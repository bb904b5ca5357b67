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
  const logger = createLogger(config.logLevel, { role: config.role });
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
      process.stderr.write(`pausenet: second ${sig}, exiting now\n`);
      process.exit(130);
    }
    stopRequested = true;
    process.stderr.write(`pausenet: ${sig} received, shutting down\n`);
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let node: PausenetNode | undefined;
  try {
    node = await PausenetNode.create(config, { logger, ...(passphrase !== undefined ? { passphrase } : {}) });
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
    process.stdout.write(
      `pausenet ${config.role} started: peer ${started.peerId}, api ${started.apiUrl}, listening ${started.multiaddrs.join(' ')}\n`,
    );
  await stopSignal;
  await started
    .stop()
    .catch((err: unknown) =>
      process.stderr.write(`pausenet: error during shutdown: ${(err as Error).message}\n`),
    );
  process.stdout.write('pausenet stopped\n');
}
