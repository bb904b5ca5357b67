/** Pause agreement (node side): breach detection, slashing-protected voting, certificates, hooks. */

export { Agreement } from './agreement.js';
export type { AgreementErrorCode } from './errors.js';
export { AgreementError } from './errors.js';
export type { FailSafeStatus } from './failSafe.js';
export type { CreateHookRunnerOptions } from './hookRunner.js';
export { createHookRunner, hookCertificateOf, StoreHookRunner } from './hookRunner.js';
export type { AgreementOptions, AgreementStatus } from './types.js';
