import { pauseStatus } from '@pausenet/protocol';
import type { AgreementCore } from './core.js';
import type { HookDriver } from './hooks.js';
import type { AgreementStatus } from './types.js';
import type { Voting } from './voting.js';

/** The GET /v1/status fields owned by the agreement (read on request only, never on the ingest path). */
export function agreementStatus(core: AgreementCore, voting: Voting, hooks: HookDriver): AgreementStatus {
  const readiness = hooks.readiness();

  const s = pauseStatus(core.machine);
  const open = core.machine.height + 1;
  const approvals =
    core.voter === null
      ? []
      : s.approvals.filter((a) => a.approved || core.machine.state === 'PAUSED' || voting.awaiting(a.height));
  return {
    state: core.machine.state,
    height: core.machine.height,
    since: core.machine.height === 0 ? null : core.machine.since,
    threshold: core.threshold,
    pendingVotes: s.pendingVotes
      .filter((p) => p.height === open)
      .map((p) => ({
        ...p,
        voters: [...p.voters].sort((a, b) => (core.memberIndex.get(a) ?? 0) - (core.memberIndex.get(b) ?? 0)),
      })),
    approvals,
    hooks: hooks.view(),
    failSafe: hooks.failSafeStatus(),
    breaches: s.breaches,
    ready: readiness.ready,
    readyReason: readiness.reason,
  };
}
