/**
 * Failures to load a native module (better-sqlite3's addon): built for another Node.js version, not
 * built at all (installed with --ignore-scripts), or unloadable. Each names the module, the Node.js
 * it was built for and the exact command that fixes it.
 */

/** NODE_MODULE_VERSION → Node.js major (Node's doc/abi_version_registry.json). */
const ABI_TO_NODE: Readonly<Record<string, string>> = {
  '93': '16',
  '108': '18',
  '115': '20',
  '120': '21',
  '127': '22',
  '131': '23',
  '137': '24',
  '141': '25',
};

function nodeOfAbi(abi: string): string {
  const major = ABI_TO_NODE[abi];
  return major ? `Node.js ${major} (NODE_MODULE_VERSION ${abi})` : `NODE_MODULE_VERSION ${abi}`;
}

/** The package a file inside node_modules belongs to, and the directory to run `npm rebuild` in. */
function packageOf(file: string): { name: string; installDir: string } | null {
  const at = file.lastIndexOf('/node_modules/');
  if (at < 0) return null;
  const rest = file.slice(at + '/node_modules/'.length).split('/');
  const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '');
  return name ? { name, installDir: file.slice(0, at) || '/' } : null;
}

/** `err` and its causes (a store error may wrap the loader's). */
function chain(err: unknown): { msg: string; code: unknown }[] {
  const out: { msg: string; code: unknown }[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    out.push({ msg: e instanceof Error ? e.message : String(e), code: (e as { code?: unknown }).code });
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function fix(pkg: { name: string; installDir: string } | null, fallback: string): string {
  return pkg
    ? `rebuild it for this Node.js: cd ${pkg.installDir} && npm rebuild ${pkg.name} (or reinstall pausenet with this Node.js)`
    : `rebuild ${fallback} for this Node.js (npm rebuild ${fallback}) or reinstall pausenet with this Node.js`;
}

/**
 * A one-line explanation with the fix when `err` (or its cause) is a native-module load failure;
 * null for anything else.
 */
export function describeNativeLoadError(err: unknown): string | null {
  const here = `this is Node.js ${process.version} (NODE_MODULE_VERSION ${process.versions.modules})`;
  for (const { msg, code } of chain(err)) {
    const abi = /was compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)/.exec(
      msg,
    );
    if (abi?.[1]) {
      const file = /The module '([^']+)'/.exec(msg)?.[1] ?? '';
      const pkg = packageOf(file);
      const name = pkg?.name ?? 'a native module';
      return `native module ${name} was built for ${nodeOfAbi(abi[1])}, but ${here}${file ? ` (${file})` : ''}; ${fix(pkg, 'better-sqlite3')}`;
    }
    const missing = /Could not locate the bindings file\. Tried:\s*\n\s*→\s*(\S+)/.exec(msg);
    if (missing?.[1]) {
      const pkg = packageOf(missing[1]);
      const name = pkg?.name ?? 'a native module';
      return `native module ${name} is not built (was it installed with --ignore-scripts?); ${fix(pkg, 'better-sqlite3')}`;
    }
    if (code === 'ERR_DLOPEN_FAILED') {
      const file = /(\/\S+\.node)\b/.exec(msg)?.[1] ?? '';
      const pkg = packageOf(file);
      const first = msg.split('\n')[0] ?? msg;
      return `native module ${pkg?.name ?? 'better-sqlite3'} cannot be loaded (${first}); ${fix(pkg, 'better-sqlite3')}`;
    }
  }
  return null;
}
