import { type HookAdapter, observeHooks } from '@pausenet/hooks';
import {
  type Certificate,
  certificateHash,
  decodeSignedReceipt,
  fromHexOrNull,
  type HookOutcome,
  receiptConfirmations,
  receiptDeadlineOf,
  signReceipt,
  toHex,
} from '@pausenet/protocol';
import type { ReceiptStatus } from '@pausenet/protocol/api';
import type { AgreementCore } from './core.js';

/** No hook observes its scheduler: the digest is 32 zero bytes (docs/protocol.md "Receipts"). */
const NO_OBSERVATION = new Uint8Array(32);

/**
 * This member's receipts (docs/protocol.md "Receipts"): after its hooks ran for an applied certificate, it
 * signs what they did (outcome and attempts per hook, from the hook journal) and the digest of what its
 * scheduler adapters' `observe()` report, and sends it through the local door (stored, then gossiped).
 * The observation report itself stays on this node (logged for auditors). Observers never receipt.
 */
export class OwnReceipts {
  /** Certificates (hash hex) whose receipt is being signed now: one at a time each. */
  private readonly issuing = new Set<string>();

  constructor(
    private readonly core: AgreementCore,
    private readonly adapters: readonly HookAdapter[],
  ) {}

  /** Sign and send the receipt for `cert` (its hooks have finished; none when this node has no hooks). */
  async issue(cert: Certificate, hash: Uint8Array, signal?: AbortSignal): Promise<void> {
    const key = toHex(hash);
    if (this.issuing.has(key)) return;
    this.issuing.add(key);
    try {
      await this.sign(cert, hash, signal);
    } finally {
      this.issuing.delete(key);
    }
  }

  private async sign(cert: Certificate, hash: Uint8Array, signal?: AbortSignal): Promise<void> {
    const self = this.core.self;
    // Let a synchronous catch-up (several certificates applied from one sync response) finish first.
    await new Promise((resolve) => setImmediate(resolve));
    if (self === null || this.core.stopped || !this.applied(hash)) return;
    const hooksDoneAt = this.core.now();
    const hooks: HookOutcome[] = this.core.store.hookJournal
      .entriesFor(toHex(hash))
      .map((e) => ({ name: e.hookName, outcome: e.status === 'ok' ? 'ok' : 'failed', attempts: e.attempts }));
    let schedulerDigest: Uint8Array = NO_OBSERVATION;
    if (this.adapters.some((h) => typeof h.observe === 'function')) {
      const seen = await observeHooks(this.adapters, signal !== undefined ? { signal } : {});
      schedulerDigest = fromHexOrNull(seen.digest) ?? NO_OBSERVATION;
      this.core.log.info(
        {
          event: 'receipt.observed',
          height: cert.height,
          digest: seen.digest,
          complete: seen.complete,
          report: seen.report,
        },
        'scheduler observation for the receipt',
      );
    }
    if (this.core.stopped || !this.applied(hash)) return;
    const receipt = signReceipt(
      {
        networkId: this.core.networkId,
        lab: self.lab,
        height: cert.height,
        target: cert.target,
        certificateHash: hash,
        hooksDoneAt,
        hooks,
        schedulerDigest,
        issuedAt: Math.max(this.core.now(), hooksDoneAt),
      },
      self.identitySecretKey,
    );
    this.core.log.info(
      {
        event: 'receipt.signed',
        height: cert.height,
        target: cert.target,
        hooks: hooks.map((h) => `${h.name}:${h.outcome}`),
      },
      'receipt signed',
    );
    this.core.send('receipt', receipt);
    await this.core.flush();
  }

  /**
   * Only the applied certificate is receipted: a node catching up several certificates at once acknowledges
   * the one in force, not those it passed through (their hook runs were superseded too).
   */
  private applied(hash: Uint8Array): boolean {
    const cert = this.core.machine.certificate;
    return cert !== null && toHex(certificateHash(cert)) === toHex(hash);
  }

  /**
   * Whether this member's newest stored receipt for the certificate `hash` says what its hook journal says
   * now (each hook's outcome): false when there is none, or when a hook that failed has since succeeded
   * (a retry after a restart) or the reverse.
   */
  current(hash: Uint8Array): boolean {
    const self = this.core.self;
    if (self === null) return true;
    const journal = this.core.store.hookJournal.entriesFor(toHex(hash));
    // A hook still running (a re-assert, a retry) has no outcome yet: its run's end decides.
    if (journal.some((e) => e.status === 'pending')) return true;
    const newest = this.core.store.receipts.stored(self.lab, hash).newest;
    if (newest === undefined) return false;
    const row = this.core.store.receipts
      .forCertificate(hash)
      .find((r) => toHex(r.hash) === toHex(newest.hash));
    if (row === undefined) return false;
    const said = decodeSignedReceipt(row.bytes).receipt.hooks.map((h) => `${h.name}:${h.outcome}`);
    const now = journal.map((e) => `${e.hookName}:${e.status === 'ok' ? 'ok' : 'failed'}`);
    return said.length === now.length && said.every((x, i) => x === now[i]);
  }
}

/**
 * Per member: is the applied certificate confirmed by its receipt (protocol receiptConfirmations), judged
 * from when this node applied it and policy.receiptDeadlineMs (status). Null at height 0.
 */
export function appliedConfirmations(core: AgreementCore): ReceiptStatus | null {
  const cert = core.machine.certificate;
  if (cert === null) return null;
  const hash = certificateHash(cert);
  const appliedAt = core.store.pauseState.get().since ?? core.machine.since;
  return {
    height: cert.height,
    target: cert.target,
    certificate: toHex(hash),
    deadline: appliedAt + receiptDeadlineOf(core.genesis.policy),
    labs: receiptConfirmations({
      genesis: core.genesis,
      certificate: cert,
      appliedAt,
      now: core.now(),
      receipts: core.store.receipts
        .forCertificate(hash)
        .map((r) => ({ receipt: decodeSignedReceipt(r.bytes), firstSeenAt: r.receivedAt })),
    }),
  };
}
