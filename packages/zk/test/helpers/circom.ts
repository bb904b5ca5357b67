import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Compile a fixture circuit with circom2 (it only sees files below its working directory). */
export function compileFixture(name: string): { r1cs: Uint8Array; wasm: Uint8Array } {
  const work = mkdtempSync(join(tmpdir(), 'pausenet-zk-fixture-'));
  try {
    cpSync(new URL(`../fixtures/${name}.circom`, import.meta.url), join(work, `${name}.circom`));
    const cli = join(dirname(require.resolve('circom2/package.json')), 'cli.js');
    execFileSync(process.execPath, [cli, `${name}.circom`, '--r1cs', '--wasm', '-o', '.'], {
      cwd: work,
      stdio: 'ignore',
    });
    return {
      r1cs: new Uint8Array(readFileSync(join(work, `${name}.r1cs`))),
      wasm: new Uint8Array(readFileSync(join(work, `${name}_js`, `${name}.wasm`))),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
