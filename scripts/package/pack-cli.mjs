#!/usr/bin/env node
// Packs the `pausenet` CLI as one installable tarball: @pausenet/cli with the workspace packages it
// runs on (node, hooks, protocol, crypto, and the dashboard the node serves) bundled inside it. Their
// third-party runtime dependencies become the tarball's own dependencies, so a global install fetches
// (or takes from the npm cache) exactly those and nothing from devDependencies.
//
//   npm run build && node scripts/package/pack-cli.mjs [--out DIR]      (default DIR: dist-pack/)
//   npm install -g --allow-scripts=better-sqlite3 DIR/pausenet-cli-<version>.tgz
//
// Prints the tarball's path on stdout. Exit 1 with a message on any problem.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCOPE = '@pausenet/';
// The dashboard is not a declared dependency of the node (it is looked up at run time, so a node
// runs without it), but the packed CLI ships it so every node serves the observer page.
const EXTRA_BUNDLED = ['@pausenet/dashboard'];

function fail(msg) {
  process.stderr.write(`pack-cli: error: ${msg}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function parseArgs(argv) {
  let out = join(ROOT, 'dist-pack');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = resolve(argv[++i]);
    else fail(`unknown argument ${argv[i]}; usage: pack-cli.mjs [--out DIR]`);
  }
  return { out };
}

/**
 * Workspace packages by name, with their directory and package.json. A workspace folder that is absent is
 * skipped: the container image's build context (.dockerignore) leaves out the test workspace, which the CLI
 * never depends on (bundledClosure fails on a missing dependency).
 */
function workspaces(rootPkg) {
  const byName = new Map();
  for (const ws of rootPkg.workspaces) {
    if (!existsSync(join(ROOT, ws, 'package.json'))) continue;
    const pkg = readJson(join(ROOT, ws, 'package.json'));
    byName.set(pkg.name, { dir: join(ROOT, ws), pkg });
  }
  return byName;
}

/** @pausenet/* packages the CLI needs at run time (transitively), plus the dashboard. */
function bundledClosure(byName) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const ws = byName.get(name);
    if (!ws) fail(`${name} is not a workspace package`);
    seen.add(name);
    for (const dep of Object.keys(ws.pkg.dependencies ?? {})) if (dep.startsWith(SCOPE)) visit(dep);
  };
  visit('@pausenet/cli');
  for (const name of EXTRA_BUNDLED) visit(name);
  seen.delete('@pausenet/cli');
  return [...seen].sort();
}

/** Third-party runtime dependencies of the CLI and its bundled packages; one range per name. */
function thirdPartyDeps(byName, names) {
  const deps = new Map();
  for (const name of names) {
    for (const [dep, range] of Object.entries(byName.get(name).pkg.dependencies ?? {})) {
      if (dep.startsWith(SCOPE)) continue;
      const prev = deps.get(dep);
      if (prev && prev.range !== range)
        fail(`${dep} is required as ${prev.range} by ${prev.by} but as ${range} by ${name}; use one range`);
      deps.set(dep, { range, by: name });
    }
  }
  return new Map([...deps].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.range]));
}

/** Copy a workspace package's published files (its "files" list), without build-only artefacts. */
function copyPackage(src, dest, pkg, dropDeps) {
  mkdirSync(dest, { recursive: true });
  for (const entry of pkg.files ?? []) {
    const from = join(src, entry);
    if (!existsSync(from)) fail(`${pkg.name}: ${entry} is missing; run \`npm run build\` first`);
    cpSync(from, join(dest, entry), {
      recursive: true,
      filter: (f) => !f.endsWith('.tsbuildinfo') && !f.endsWith('.map'),
    });
  }
  const clean = { ...pkg };
  delete clean.devDependencies;
  delete clean.scripts;
  if (dropDeps) {
    // npm counts every dependency of a bundled package as part of the bundle and would then not
    // install it; the top package declares them instead (Node resolves them one level up).
    delete clean.dependencies;
    delete clean.peerDependencies;
    delete clean.peerDependenciesMeta;
  }
  writeFileSync(join(dest, 'package.json'), `${JSON.stringify(clean, null, 2)}\n`);
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const rootPkg = readJson(join(ROOT, 'package.json'));
  const byName = workspaces(rootPkg);
  const cli = byName.get('@pausenet/cli');
  if (!existsSync(join(cli.dir, 'dist', 'bin.js')))
    fail('packages/cli/dist is missing; run `npm run build` first');
  if (!existsSync(join(byName.get('@pausenet/dashboard').dir, 'dist', 'index.html')))
    fail('packages/dashboard/dist is missing; run `npm run build` first');

  const bundled = bundledClosure(byName);
  const deps = thirdPartyDeps(byName, ['@pausenet/cli', ...bundled]);

  const stage = mkdtempSync(join(tmpdir(), 'pausenet-pack-'));
  try {
    const top = join(stage, 'package');
    copyPackage(cli.dir, top, cli.pkg, false);
    for (const name of bundled)
      copyPackage(byName.get(name).dir, join(top, 'node_modules', name), byName.get(name).pkg, true);
    cpSync(join(ROOT, 'README.md'), join(top, 'README.md'));

    const dependencies = Object.fromEntries([
      ...bundled.map((name) => [name, byName.get(name).pkg.version]),
      ...deps,
    ]);
    const manifest = {
      ...cli.pkg,
      description: rootPkg.description,
      engines: rootPkg.engines,
      files: [...cli.pkg.files, 'README.md'],
      dependencies,
      bundleDependencies: bundled,
    };
    delete manifest.devDependencies;
    delete manifest.scripts;
    writeFileSync(join(top, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    mkdirSync(out, { recursive: true });
    const json = execFileSync('npm', ['pack', top, '--pack-destination', out, '--json', '--ignore-scripts'], {
      cwd: stage,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [info] = JSON.parse(json);
    const tarball = join(out, info.filename);
    const names = new Set(info.files.map((f) => f.path));
    for (const name of bundled)
      if (!names.has(`node_modules/${name}/package.json`)) fail(`${name} is missing from the tarball`);
    process.stderr.write(
      `pack-cli: ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} KiB; bundles ${bundled.join(', ')}; ` +
        `${deps.size} third-party dependencies\n`,
    );
    process.stdout.write(`${tarball}\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

main();
