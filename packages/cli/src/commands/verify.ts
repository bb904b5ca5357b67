import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';

/** `pausenet verify`: offline certificate check, exit 0 valid / 1 invalid. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'verify a pause/resume certificate, a chain of them, or a chain of genesis amendments offline against a genesis',
    )
    .argument(
      '[certificate.json]',
      'a certificate as served by GET /v1/certificates (one element), or the whole array (a chain)',
    )
    .requiredOption('--genesis <file>', 'the network genesis.yaml (the original one, with its DKG result)')
    .option(
      '--amendments <file>',
      'a JSON array of the certified amendments since that genesis, revision 2 first: checked in order, then certificates are checked against the revision they name',
    )
    .option('--json', 'print {valid, reason, ...} as JSON')
    .addHelpText(
      'after',
      `
Exit code 0 when valid, 1 when invalid; one line says why.

Examples:
  $ curl -s http://127.0.0.1:8645/v1/certificates | jq '.[0]' > cert.json
  $ pausenet verify cert.json --genesis genesis.yaml
  $ curl -s http://127.0.0.1:8645/v1/certificates > chain.json && pausenet verify chain.json --genesis genesis.yaml
  $ pausenet verify --genesis genesis.yaml --amendments amendments.json
  $ pausenet verify chain.json --genesis genesis.yaml --amendments amendments.json`,
    )
    .action(async (file: string | undefined, o: { genesis: string; amendments?: string; json?: boolean }) => {
      if (file === undefined && o.amendments === undefined)
        throw new CliError(
          'USAGE',
          'nothing to verify: give a certificate file, --amendments <file>, or both (pausenet verify --help)',
        );
      const { loadGenesis } = await import('../io/genesis.js');
      const { verifyAmendmentsJson, verifyCertificateChainJson, verifyCertificateJson } = await import(
        './verify-core.js'
      );
      const genesis = await loadGenesis(o.genesis);
      const out = (r: { valid: boolean; reason: string; chain?: unknown }) => {
        const { chain: _, ...shown } = r;
        if (o.json) process.stdout.write(`${JSON.stringify(shown)}\n`);
        else process.stdout.write(`${r.valid ? 'valid' : 'INVALID'}: ${r.reason}\n`);
        process.exitCode = r.valid ? 0 : 1;
      };
      let chain: import('@pausenet/protocol').RevisionChain | undefined;
      if (o.amendments !== undefined) {
        const a = verifyAmendmentsJson(await readJson(o.amendments, 'amendments file'), genesis);
        if (!a.valid || file === undefined) return out(a);
        chain = a.chain;
      }
      const cert = await readJson(file as string, 'certificate file');
      out(
        Array.isArray(cert)
          ? verifyCertificateChainJson(cert, genesis, chain)
          : verifyCertificateJson(cert, genesis, chain),
      );
    });
}

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readTextFile(file, what, 'USAGE');
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError('USAGE', `${what} ${file} is not JSON`);
  }
}
