// Does verification work in a browser bundle, and what does it cost? Bundles a page that imports
// @pausenet/zk/browser (packages/zk/dist/browser.js) with Vite, serves it on 127.0.0.1 (port chosen
// by the OS), opens it in headless Chromium (playwright-core, /usr/bin/chromium) and verifies every
// case of docs/vectors/zk-v1.json in the page twice: with the package's verifier (no snarkjs) and,
// for comparison, with snarkjs, which the page imports dynamically so that it lands in a chunk of its
// own and the entry chunk measures what a dashboard ships. Returns {bundle: {entryJsBytes,
// entryGzipBytes, jsBytes, gzipBytes}, page: {...}}; used by packages/zk/test/browser.test.ts and
// scripts/bench/zk.mjs. Build first: npx tsc -b.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

const PAGE = `
import { decodePrivateProof, verifyPrivateProof, boundsOf, UNLIMITED, GENESIS_LINK, linkCommitments, groth16Verify, prepareVerificationKey, proofToBytes } from '${pkg}dist/browser.js';
const doc = await (await fetch('./vectors.json')).json();
const out = { cases: [], ourVerifier: null, verifyMs: [], snarkjsVerifyMs: [] };
let t0 = performance.now();
const key = prepareVerificationKey(doc.verificationKey);
out.prepareKeyMs = performance.now() - t0;
for (const c of doc.cases) {
  t0 = performance.now();
  const ok = groth16Verify(key, c.publicSignals.map(BigInt), proofToBytes(c.proof));
  out.verifyMs.push(performance.now() - t0);
  out.cases.push({ name: c.name, valid: c.valid, ok });
}
const valid = doc.cases.find((c) => c.name === 'valid');
const hex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const ctx = { ...valid.context, networkId: hex(valid.context.networkId) };
const caps = boundsOf(Object.fromEntries(Object.entries(doc.inputs.caps).map(([k, v]) => [k, BigInt(v)])));
t0 = performance.now();
out.ourVerifier = await verifyPrivateProof(decodePrivateProof(hex(valid.encoded)), { context: ctx, previous: linkCommitments(GENESIS_LINK), bounds: { caps, limits: UNLIMITED } }, doc.verificationKey);
out.ourVerifierMs = performance.now() - t0;
const snarkjs = await import('snarkjs');
for (const [i, c] of doc.cases.entries()) {
  t0 = performance.now();
  out.cases[i].snarkjs = await snarkjs.groth16.verify(doc.verificationKey, c.publicSignals, c.proof);
  out.snarkjsVerifyMs.push(performance.now() - t0);
}
window.__zk = out;
`;

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export async function browserCheck({
  chromium: chromiumPath = process.env.PAUSENET_CHROMIUM ?? '/usr/bin/chromium',
} = {}) {
  const { build } = await import('vite');
  // Inside the package so that the page's own `import 'snarkjs'` resolves (git-ignored: .pausenet-*).
  const work = await mkdtemp(join(pkg, '.pausenet-browser-'));
  try {
    await writeFile(
      join(work, 'index.html'),
      '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>',
    );
    await writeFile(join(work, 'main.js'), PAGE);
    const started = performance.now();
    await build({
      root: work,
      base: './',
      logLevel: 'silent',
      configFile: false,
      resolve: { conditions: ['browser'] },
      build: { outDir: join(work, 'dist'), target: 'es2022', reportCompressedSize: false },
    });
    const buildMs = Math.round(performance.now() - started);
    const dist = join(work, 'dist');
    await mkdir(dist, { recursive: true });
    await writeFile(join(dist, 'vectors.json'), await readFile(join(root, 'docs/vectors/zk-v1.json')));
    const assets = await readdir(join(dist, 'assets'));
    // The entry chunk is the one index.html loads; snarkjs sits in the chunks it imports on demand.
    const html = await readFile(join(dist, 'index.html'), 'utf8');
    const entry = /assets\/([^"]+\.js)/.exec(html)?.[1];
    let jsBytes = 0;
    let gzipBytes = 0;
    let entryJsBytes = 0;
    let entryGzipBytes = 0;
    for (const f of assets.filter((a) => a.endsWith('.js'))) {
      const b = await readFile(join(dist, 'assets', f));
      const gz = gzipSync(b).length;
      jsBytes += b.length;
      gzipBytes += gz;
      if (f === entry) {
        entryJsBytes = b.length;
        entryGzipBytes = gz;
      }
    }
    const server = createServer(async (req, res) => {
      try {
        const path = new URL(req.url, 'http://x').pathname;
        const body = await readFile(join(dist, path === '/' ? 'index.html' : path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/html' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForFunction(() => window.__zk || null, null, { timeout: 120_000 });
      const result = await page.evaluate(() => window.__zk);
      return {
        bundle: { entryJsBytes, entryGzipBytes, jsBytes, gzipBytes, buildMs },
        page: { ...result, errors },
      };
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await browserCheck()));
