import { dataPaths, loadNodeConfig, type NodeConfig } from '@pausenet/node';
import { CliError } from '../errors.js';

/** Load and validate a node config file; problems become CliError('CONFIG') naming file, field and fix. */
export function loadConfigFile(file: string): NodeConfig {
  try {
    return loadNodeConfig(file);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new CliError('CONFIG', `config ${file}: ${msg}`);
  }
}

/** Where the keystore passphrase comes from for a config, with a --passphrase-file override. */
export function passphraseSourceOf(
  config: NodeConfig,
  passphraseFile?: string,
): { file?: string; env?: string } {
  const file = passphraseFile ?? config.keystore?.passphraseFile;
  return {
    ...(file ? { file } : {}),
    ...(config.keystore?.passphraseEnv ? { env: config.keystore.passphraseEnv } : {}),
  };
}

export { dataPaths };
