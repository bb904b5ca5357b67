#!/usr/bin/env node
// The polyfill must load before anything that pulls in libp2p (Promise.withResolvers on Node 20).
import '@pausenet/node/polyfill';
import { runCli } from './main.js';

// Exit explicitly: a failed start may leave sockets behind, and a finished command has nothing left
// to wait for (stdout/stderr writes to pipes and files are synchronous on POSIX).
process.exit(await runCli(process.argv));
