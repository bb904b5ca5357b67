import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { type ApiTarget, readApiToken } from './api-client.js';

export interface TargetOptions {
  api?: string;
  dataDir?: string;
  tokenFile?: string;
}

/** Add --api / --data-dir / --token-file to a command that talks to the local node. */
export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'data dir of the local node (reads api-url and api-token from it)',
      process.env.PAUSENET_DATA_DIR,
    )
    .option(
      '--api <url>',
      'node API base URL (default: <data-dir>/api-url, or $PAUSENET_API)',
      process.env.PAUSENET_API,
    )
    .option('--token-file <file>', 'API token file for writes (default: <data-dir>/api-token)');
}

/** Resolve where the node API is and, for writes, its bearer token. */
export async function resolveTarget(o: TargetOptions, needToken: boolean): Promise<ApiTarget> {
  let url = o.api;
  if (!url && o.dataDir) {
    try {
      const text = (await readFile(join(o.dataDir, 'api-url'), 'utf8')).trim();
      url = text.startsWith('{') ? (JSON.parse(text) as { url: string }).url : text;
    } catch {
      throw new CliError(
        'API',
        `no api-url in data dir ${o.dataDir}; is \`pausenet start\` running with this data dir? or pass --api URL`,
      );
    }
  }
  if (!url)
    throw new CliError('USAGE', 'which node? pass --data-dir DIR (or --api URL), or set $PAUSENET_DATA_DIR');
  if (!/^https?:\/\//.test(url)) throw new CliError('USAGE', `--api must be an http(s) URL, got "${url}"`);
  const target: ApiTarget = { url };
  if (needToken) {
    const tokenFile = o.tokenFile ?? (o.dataDir ? join(o.dataDir, 'api-token') : undefined);
    if (!tokenFile)
      throw new CliError('USAGE', 'writes need the API token: pass --token-file FILE or --data-dir DIR');
    target.token = await readApiToken(tokenFile);
  }
  return target;
}
