import { defineFuzzSuite } from './suite.js';

// `npm run test:long` (PAUSENET_LONG=1): the same properties as codecs.test.ts, 20k cases each.
defineFuzzSuite(process.env.PAUSENET_LONG ? 20_000 : 2_000);
