/** Typed errors of the pause agreement; `code` doubles as a metrics label. */
export type AgreementErrorCode = 'NO_DKG' | 'BAD_SELF' | 'BAD_HOOKS' | 'BAD_CONFIG' | 'STOPPED';

/** The agreement cannot run as configured (missing DKG result, self not a member, bad hooks/fail-safe wiring, used after stop). */
export class AgreementError extends Error {
  override readonly name = 'AgreementError';
  constructor(
    readonly code: AgreementErrorCode,
    message: string,
  ) {
    super(message);
  }
}
