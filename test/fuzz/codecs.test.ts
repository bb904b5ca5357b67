import { defineFuzzSuite } from './suite.js';

// Bounded for `npm test`; codecs.long.test.ts runs the same properties with many more cases.
defineFuzzSuite(150);
