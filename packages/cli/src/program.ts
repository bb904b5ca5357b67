import { Command } from 'commander';
import { registerApprove, registerReport, registerStatus } from './commands/api.js';
import { registerCommit } from './commands/commit.js';
import { registerDevnet } from './commands/devnet.js';
import { registerDkg } from './commands/dkg.js';
import { registerGenesis } from './commands/genesis.js';
import { registerInit } from './commands/init.js';
import { registerStart } from './commands/start.js';
import { registerVerify } from './commands/verify.js';

export const VERSION = '0.1.0';

/** Build the `pausenet` commander program (errors surface as exceptions; runCli maps them to exit codes). */
export function buildProgram(): Command {
  const program = new Command('pausenet')
    .description('pausenet: a verifiable, conditional pause for frontier AI training')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage and examples)')
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`pausenet: ${str.replace(/^error: /, 'error: ')}`),
    })
    .addHelpText(
      'after',
      `
Getting started:
  $ pausenet devnet                       # whole local network + a breach scenario, in one command
Running a real member node:
  $ pausenet init --data-dir D --lab lab-a --index 1 --addr /ip4/<public ip>/tcp/9000 > lab-a.entry.yaml
  $ pausenet genesis create --name NET --member lab-a.entry.yaml ... --policy policy.yaml --out genesis.yaml
  $ pausenet dkg --config member.yaml     # all members at once; member.yaml is the node config
  $ pausenet start --config member.yaml
Day to day:
  $ pausenet commit ... | pausenet status | pausenet approve <height> [--resume]
  $ pausenet verify cert.json --genesis genesis.yaml

Environment: PAUSENET_PASSPHRASE (keystore), PAUSENET_DATA_DIR / PAUSENET_API (which node),
PAUSENET_DEBUG=1 (stack traces for unexpected errors).`,
    );
  program.configureHelp({ sortSubcommands: false });
  registerInit(program);
  registerGenesis(program);
  registerDkg(program);
  registerStart(program);
  registerCommit(program);
  registerReport(program);
  registerApprove(program);
  registerStatus(program);
  registerVerify(program);
  registerDevnet(program);
  // subcommands inherit exitOverride + output config
  for (const c of program.commands) {
    c.exitOverride().showHelpAfterError('(run with --help for usage and examples)');
    c.configureOutput({ outputError: (str, write) => write(`pausenet: ${str}`) });
    for (const cc of c.commands) {
      cc.exitOverride();
      cc.configureOutput({ outputError: (str, write) => write(`pausenet: ${str}`) });
    }
  }
  return program;
}
