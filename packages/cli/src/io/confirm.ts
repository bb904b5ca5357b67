import { createInterface } from 'node:readline';
import { CliError } from '../errors.js';

/**
 * Ask the operator to type `word` before a consequential action. Without a terminal there is nobody
 * to ask: the action is refused with `refusal` (the caller names the flag that skips the question).
 */
export async function confirmOnTerminal(question: string, word: string, refusal: string): Promise<void> {
  if (!process.stdin.isTTY) throw new CliError('REFUSED', refusal);
  const answer = await new Promise<string>((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl.question(`${question} Type "${word}" to go ahead: `, (a) => {
      rl.close();
      resolve(a.trim());
    });
    rl.once('SIGINT', () => {
      rl.close();
      resolve('');
    });
  });
  if (answer !== word) throw new CliError('REFUSED', `not confirmed (answer "${answer}"); nothing was done`);
}
