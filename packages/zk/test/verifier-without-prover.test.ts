import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A real Node process in which snarkjs cannot be found (a resolve hook answers ERR_MODULE_NOT_FOUND,
// as for an install without the optional peer dependency) loads the built verifier entries and
// verifies the docs/vectors proof; the prover entry loads too and fails only when asked to prove,
// with PROVER_UNAVAILABLE naming the package. The hook also records every module the process loads,
// so the test can read the licence of each package on the verification path.
const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

const hooks = (log: string) => `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (specifier === 'snarkjs' || specifier.startsWith('snarkjs/')) {
    const e = new Error("Cannot find package 'snarkjs' imported from " + context.parentURL);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;

const main = (log: string) => `
import { register } from 'node:module';
import { readFileSync, appendFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks(log))}));
const doc = JSON.parse(readFileSync(${JSON.stringify(`${root}docs/vectors/zk-v1.json`)}, 'utf8'));
const hex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const out = {};
for (const entry of ['index', 'browser']) {
  const zk = await import(${JSON.stringify(`${pkg}dist/`)} + entry + '.js');
  const caps = zk.boundsOf(Object.fromEntries(Object.entries(doc.inputs.caps).map(([k, v]) => [k, BigInt(v)])));
  const bounds = { caps, limits: zk.UNLIMITED };
  const c = doc.cases.find((x) => x.name === 'valid');
  const context = { ...c.context, networkId: hex(c.context.networkId) };
  const previous = zk.linkCommitments(zk.GENESIS_LINK);
  const proof = zk.decodePrivateProof(hex(c.encoded));
  out[entry] = {
    valid: await zk.verifyPrivateProof(proof, { context, previous, bounds }, doc.verificationKey),
    otherCaps: (await zk.verifyPrivateProof(proof, { context, previous, bounds: { caps: { ...caps, maxParams: 1n }, limits: zk.UNLIMITED } }, doc.verificationKey)).code,
  };
}
const zk = await import(${JSON.stringify(`${pkg}dist/index.js`)});
appendFileSync(${JSON.stringify(log)}, 'PROVER-ENTRY\\n');
const prover = await import(${JSON.stringify(`${pkg}dist/prover.js`)});
const input = doc.inputs.commitments[0];
const c0 = zk.commitMetrics(Object.fromEntries(Object.entries(input.metrics).map(([k, v]) => [k, BigInt(v)])), zk.GENESIS_LINK, hex(input.randomness));
const caps = zk.boundsOf(Object.fromEntries(Object.entries(doc.inputs.caps).map(([k, v]) => [k, BigInt(v)])));
try {
  await prover.proveCommitment({ openings: c0.openings, previous: zk.GENESIS_LINK, bounds: { caps, limits: zk.UNLIMITED }, context: { ...input.context, networkId: hex(input.context.networkId) } }, { wasm: new Uint8Array(1), zkey: new Uint8Array(1) });
  out.prove = 'proved';
} catch (e) {
  out.prove = { name: e.name, code: e.code, message: e.message };
}
console.log(JSON.stringify(out));
`;

/** The package (name and licence) a loaded file belongs to, if it is in node_modules. */
async function packageOf(url: string): Promise<{ name: string; license: string } | null> {
  if (!url.startsWith('file:')) return null;
  const path = fileURLToPath(url);
  const m = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (!m) return null;
  const meta = JSON.parse(await readFile(join(m[1] as string, 'package.json'), 'utf8'));
  return { name: meta.name, license: String(meta.license ?? meta.licenses?.[0]?.type ?? 'none') };
}

describe('verification without the prover (real Node process, snarkjs not resolvable)', () => {
  it('verifies through @pausenet/zk and /browser; proving says which package to install; no GPL package is loaded to verify', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pausenet-zk-noprover-'));
    try {
      const log = join(dir, 'loaded.txt');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', main(log)],
        {
          cwd: root,
        },
      );
      const out = JSON.parse(stdout.trim().split('\n').pop() as string);
      for (const entry of ['index', 'browser'])
        expect([entry, out[entry]]).toEqual([entry, { valid: { ok: true }, otherCaps: 'BAD_PROOF' }]);
      expect(out.prove).toMatchObject({ name: 'ZkError', code: 'PROVER_UNAVAILABLE' });
      expect(out.prove.message).toContain('npm install snarkjs@0.7.6');

      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      const verifyPath = lines.slice(0, lines.indexOf('PROVER-ENTRY'));
      expect(verifyPath.length).toBeGreaterThan(0);
      const packages = new Map<string, string>();
      for (const url of verifyPath) {
        const p = await packageOf(url);
        if (p) packages.set(p.name, p.license);
      }
      expect(packages.has('@noble/curves')).toBe(true);
      const gpl = [...packages].filter(([, license]) => /GPL/i.test(license));
      expect(gpl).toEqual([]);
      expect(verifyPath.filter((u) => /snarkjs|ffjavascript|circom/.test(u))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
