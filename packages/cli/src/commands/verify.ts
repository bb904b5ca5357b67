import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';

/** `pausenet verify`: offline certificate check, exit 0 valid / 1 invalid. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a pause/resume certificate offline against a genesis (one pairing check)')
    .argument(
      '<certificate.json>',
      'a certificate as served by GET /v1/certificates (one element), or the whole array (a chain)',
    )
    .requiredOption('--genesis <file>', 'the network genesis.yaml (with its DKG result)')
    .option('--json', 'print {valid, reason, ...} as JSON')
    .addHelpText(
      'after',
      `
Exit code 0 when valid, 1 when invalid; one line says why.

Examples:
  $ curl -s http://127.0.0.1:8645/v1/certificates | jq '.[0]' > cert.json
  $ pausenet verify cert.json --genesis genesis.yaml
  $ curl -s http://127.0.0.1:8645/v1/certificates > chain.json && pausenet verify chain.json --genesis genesis.yaml`,
    )
    .action(async (file: string, o: { genesis: string; json?: boolean }) => {
      const text = await readTextFile(file, 'certificate file', 'USAGE');
      let cert: unknown;
      try {
        cert = JSON.parse(text);
      } catch {
        throw new CliError('USAGE', `certificate file ${file} is not JSON`);
      }
      const { loadGenesis } = await import('../io/genesis.js');
      const { verifyCertificateChainJson, verifyCertificateJson } = await import('./verify-core.js');
      const genesis = await loadGenesis(o.genesis);
      const r = Array.isArray(cert)
        ? verifyCertificateChainJson(cert, genesis)
        : verifyCertificateJson(cert, genesis);
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.valid ? 'valid' : 'INVALID'}: ${r.reason}\n`);
      process.exitCode = r.valid ? 0 : 1;
    });
}
