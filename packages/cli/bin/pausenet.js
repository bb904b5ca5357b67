#!/usr/bin/env node
// The `pausenet` command. This file is checked in (not built) so that `npm ci` links the bin even
// though dist/ is only built afterwards, by the root `prepare` script: npm skips bins whose target
// does not exist at link time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Keep in step with "engines" in package.json (README "Supported Node.js versions").
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `pausenet: error: Node.js ${process.version} is too old; pausenet needs Node.js 22 or 24 (20.19+ still runs). ` +
      'Install a supported Node.js and reinstall pausenet with it.\n',
  );
  process.exit(9);
}

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    `pausenet: error: the CLI is not built (${fileURLToPath(entry)} is missing); run \`npm run build\` in the repository\n`,
  );
  process.exit(9);
}
await import(entry.href);
