import { decodeSignedVote } from '@pausenet/protocol';
import type { Certificates } from './certificates.js';
import type { AgreementCore } from './core.js';
import type { HookDriver } from './hooks.js';
import { approveEvent } from './voting.js';

/**
 * Recovery on restart (docs/protocol.md "Restart", "Re-assert on start"): rebuild the machine from the
 * store, re-assert the current state's hooks (while PAUSED every hook runs again; the node is ready when
 * that has completed) and finish interrupted work — a certificate stored but not applied, the operator's
 * approvals and the votes of the open height, and this member's own vote if a crash came between
 * persisting and sending it. Stored messages passed their rules when they were stored: the machine
 * re-checks only its state rules.
 */
export function recoverOnStart(core: AgreementCore, certificates: Certificates, hooks: HookDriver): void {
  core.machine = core.load();
  hooks.start();
  certificates.applyStored(Number.POSITIVE_INFINITY);
  const open = core.machine.height + 1;
  for (const a of core.store.approvals.above(core.machine.height)) {
    if (a.height === open) core.step(approveEvent(core.machine.state, a.height, a.target, a.breaches));
  }
  for (const row of core.store.votes.range(open, open, 10_000))
    core.step({ type: 'vote', vote: decodeSignedVote(row.bytes), validated: true });
  const mine = core.store.signedHeights.signedAt(open);
  if (mine !== undefined) {
    core.log.info(
      { event: 'vote.republished', height: open, target: mine.target },
      're-publishing own stored vote',
    );
    core.send('vote', decodeSignedVote(mine.vote));
  }
}
