import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { CliError } from '../errors.js';

export interface PassphraseSource {
  /** --passphrase-file */
  file?: string;
  /** Name of the env var to read (default PAUSENET_PASSPHRASE). */
  env?: string;
  /** Ask twice on a TTY (for init). */
  confirm?: boolean;
}

/** Minimum length enforced for new keystores. */
export const MIN_PASSPHRASE = 8;

/** Resolve the keystore passphrase: --passphrase-file, then $PAUSENET_PASSPHRASE (or the configured env var, deleted once read), then a TTY prompt. */
export async function resolvePassphrase(src: PassphraseSource): Promise<string> {
  if (src.file) {
    let text: string;
    try {
      text = await readFile(src.file, 'utf8');
    } catch {
      throw new CliError('KEYSTORE', `cannot read passphrase file ${src.file}; check --passphrase-file`);
    }
    const p = text.replace(/\r?\n$/, '');
    if (p.length === 0) throw new CliError('KEYSTORE', `passphrase file ${src.file} is empty`);
    return p;
  }
  const envName = src.env ?? 'PAUSENET_PASSPHRASE';
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv.length > 0) {
    // Read once, then gone: child processes (hooks, scontrol) must never inherit it.
    delete process.env[envName];
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new CliError(
      'KEYSTORE',
      `no passphrase: pass --passphrase-file FILE or set $${envName} (stdin is not a terminal, cannot prompt)`,
    );
  }
  const first = await prompt('Keystore passphrase: ');
  if (src.confirm) {
    const again = await prompt('Repeat passphrase: ');
    if (again !== first) throw new CliError('KEYSTORE', 'passphrases do not match; run the command again');
  }
  if (first.length === 0) throw new CliError('KEYSTORE', 'empty passphrase');
  return first;
}

/** Prompt on the TTY without echoing the answer. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    out._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
