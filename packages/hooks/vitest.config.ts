import { packageConfig } from '../../configs/vitest.shared.js';

// This package's tests from its own folder: `npx vitest run` (build the packages first: npx tsc -b).
export default packageConfig(import.meta.url);
