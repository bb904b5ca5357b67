import { packageConfig } from '../configs/vitest.shared.js';

// The scenarios, adversaries and fuzzing from this folder: `npx vitest run` (build first: npx tsc -b).
export default packageConfig(import.meta.url, '**/*.test.ts');
