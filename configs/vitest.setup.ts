import '../packages/node/src/polyfill.js';
