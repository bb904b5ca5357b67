import { setMaxListeners } from 'node:events';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createDkgHost, loadOrCreateNodeKey, runDkgCeremony } from '@pausenet/node';
import { toHex } from '@pausenet/protocol';
import { CliError, toCliError } from '../errors.js';
import { loadGenesis, writeGenesis } from '../io/genesis.js';
import { keepOldKeystore, openKeystore, writeKeystore } from '../io/keystore.js';
import { dataPaths, loadConfigFile, passphraseSourceOf } from '../io/node-config.js';
import { resolvePassphrase } from '../io/passphrase.js';
import { type DkgOptions, dkgNextStep, FORCE_EXPLAINED, formatDkgProgress } from './dkg.js';

/** The `pausenet dkg` action (loaded lazily: it pulls in libp2p). */
export async function runDkgCommand(o: DkgOptions): Promise<void> {
  const config = loadConfigFile(o.config);
  if (config.role !== 'member' || !config.keystore)
    throw new CliError(
      'CONFIG',
      `config ${o.config}: the DKG is run by members; set role: member and keystore`,
    );
  const paths = dataPaths(config);
  const genesis = await loadGenesis(config.genesisFile);
  if (genesis.dkg && !o.force)
    throw new CliError(
      'REFUSED',
      `genesis ${config.genesisFile} already holds a DKG result; nothing was changed. ${FORCE_EXPLAINED}`,
    );
  const { dkg: _old, ...preGenesis } = genesis;
  const passphrase = await resolvePassphrase(passphraseSourceOf(config, o.passphraseFile));
  const { secrets, scrypt } = await openKeystore(paths.keystore, passphrase);
  const member = preGenesis.members.find((m) => m.id === secrets.lab);
  if (!member)
    throw new CliError(
      'CONFIG',
      `keystore lab "${secrets.lab}" is not a member of genesis ${config.genesisFile}`,
    );
  if (secrets.blsShare && !o.force)
    throw new CliError(
      'REFUSED',
      `keystore ${paths.keystore} already holds a BLS share from an earlier ceremony, although genesis ${config.genesisFile} has no DKG result (a fresh genesis copy?); nothing was changed. If this member's network already ran its DKG, use that network's genesis.yaml. ${FORCE_EXPLAINED}`,
    );
  const identitySecretKey = secrets.identitySecretKey;

  const log = (line: string) =>
    (o.json ? process.stderr : process.stdout).write(`dkg[${member.id}]: ${line}\n`);
  const privateKey = await loadOrCreateNodeKey(paths.nodeKey);
  const peerId = peerIdFromPrivateKey(privateKey).toString();
  if (member.peerIds.length && !member.peerIds.includes(peerId))
    log(`warning: this node key's peer id ${peerId} is not in genesis peerIds for ${member.id}`);
  let host: Awaited<ReturnType<typeof createDkgHost>>;
  try {
    // genesis members' peers only; gossip restricted to the ceremony topic
    host = await createDkgHost({ privateKey, listen: config.listen, genesis: preGenesis });
  } catch (err) {
    throw toCliError(err, { configFile: o.config });
  }
  let connected: string[] = [];
  const abort = new AbortController();
  // every dial and poll listens on this signal; there are many per member, by design
  setMaxListeners(1000, abort.signal);
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`listening on ${host.getMultiaddrs().map(String).join(', ')}`);
    const res = await runDkgCeremony({
      host,
      genesis: preGenesis,
      self: { index: member.index, identitySecretKey },
      timeouts: { deal: o.phaseTimeout, response: o.phaseTimeout, justification: o.phaseTimeout },
      connectTimeoutMs: o.connectTimeout,
      lingerMs: o.linger,
      onProgress: (p) => {
        if (p.type === 'connecting') connected = p.connected;
        log(formatDkgProgress(p));
      },
      signal: abort.signal,
    });
    if (secrets.blsShare) {
      // --force replaces a share: keep the old keystore so a mistaken rerun can be undone
      const kept = await keepOldKeystore(paths.keystore, Date.now());
      log(`kept the previous keystore (with its old BLS share) as ${kept}`);
    }
    await writeKeystore(paths.keystore, { ...secrets, blsShare: res.output.secretShare }, passphrase, scrypt);
    await writeGenesis(config.genesisFile, { ...preGenesis, dkg: res.result });
    log(
      `done in ${res.ms} ms: wrote the DKG result into ${config.genesisFile} and the share into ${paths.keystore}`,
    );
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({
          lab: member.id,
          groupPublicKey: toHex(res.result.groupPublicKey),
          transcriptHash: toHex(res.result.transcriptHash),
          qualified: res.output.qualified,
          ms: res.ms,
        })}\n`,
      );
  } catch (err) {
    if ((err as { name?: string }).name === 'DkgCeremonyError') {
      const e = err as Error & { code: string; detail?: { missing?: string[] } };
      if (e.code === 'ABORTED') throw new CliError('INTERRUPTED', 'DKG interrupted; nothing was written');
      const next = dkgNextStep({
        code: e.code,
        missing: e.detail?.missing ?? [],
        connected,
        others: preGenesis.members.filter((m) => m.id !== member.id),
        self: member,
        connectTimeoutMs: o.connectTimeout,
      });
      throw new CliError('DKG', `DKG failed (${e.code}): ${e.message}; nothing was written. Next: ${next}`);
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await host.stop();
  }
}
