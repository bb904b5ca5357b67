/** Pause agreement (node side): breach detection, slashing-protected voting, certificates, hooks. */

export { Agreement } from './agreement.js';
export type { AgreementErrorCode } from './errors.js';
export { AgreementError } from './errors.js';
export type { FailSafeStatus } from './fail-safe.js';
export type { CreateHookRunnerOptions } from './hook-runner.js';
export { createHookRunner, hookCertificateOf, StoreHookRunner } from './hook-runner.js';
export type { AgreementOptions, AgreementStatus } from './types.js';
