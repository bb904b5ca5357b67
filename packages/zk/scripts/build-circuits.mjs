// Compiles packages/zk/circuits/main.circom with circom2 (the circom 2 compiler as WebAssembly) into
// circuits/build/{commitment.r1cs,commitment.wasm} and records their SHA-256 in circuits/build/hashes.json.
// The compiler only sees files below its working directory, so the sources and circomlib's circuits
// are copied into a temporary directory first. Output is byte-for-byte reproducible (test:
// packages/zk/test/artifacts.test.ts). Usage: node packages/zk/scripts/build-circuits.mjs [--check]
//   --check  compile into the temp dir only and exit 1 if the hashes differ from the committed ones.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkg = fileURLToPath(new URL('..', import.meta.url));
const circuits = join(pkg, 'circuits');
const out = join(circuits, 'build');
const check = process.argv.includes('--check');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export function compile() {
  const work = mkdtempSync(join(tmpdir(), 'pausenet-circom-'));
  try {
    for (const f of ['main.circom', 'commitment.circom']) cpSync(join(circuits, f), join(work, f));
    const circomlib = dirname(require.resolve('circomlib/package.json'));
    cpSync(join(circomlib, 'circuits'), join(work, 'circomlib', 'circuits'), { recursive: true });
    const cli = join(dirname(require.resolve('circom2/package.json')), 'cli.js');
    execFileSync(process.execPath, [cli, 'main.circom', '--r1cs', '--wasm', '--O2', '-o', '.'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return {
      r1cs: readFileSync(join(work, 'main.r1cs')),
      wasm: readFileSync(join(work, 'main_js', 'main.wasm')),
      versions: {
        circom2: require('circom2/package.json').version,
        circomlib: require('circomlib/package.json').version,
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const start = performance.now();
const built = compile();
const hashes = {
  compiler: `circom2 ${built.versions.circom2} --O2`,
  circomlib: built.versions.circomlib,
  'commitment.r1cs': sha256(built.r1cs),
  'commitment.wasm': sha256(built.wasm),
};
const ms = Math.round(performance.now() - start);
if (check) {
  const committed = JSON.parse(readFileSync(join(out, 'hashes.json'), 'utf8'));
  const same = JSON.stringify(committed) === JSON.stringify(hashes);
  console.log(JSON.stringify({ same, ms, committed, rebuilt: hashes }));
  process.exit(same ? 0 : 1);
}
writeFileSync(join(out, 'commitment.r1cs'), built.r1cs);
writeFileSync(join(out, 'commitment.wasm'), built.wasm);
writeFileSync(join(out, 'hashes.json'), `${JSON.stringify(hashes, null, 2)}\n`);
console.log(JSON.stringify({ ms, ...hashes }));
