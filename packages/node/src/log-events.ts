import { HOOK_LOG_EVENTS } from '@pausenet/hooks';

/**
 * The stable `event` name every log line carries (docs/node.md "Logs"): log pipelines and alerts match on
 * these, never on the wording of `msg`. Adding one is fine; renaming one breaks operators' alerts.
 */
export const NODE_LOG_EVENTS = [
  // lifecycle (the `start` command, node.ts, node-setup.ts, host.ts)
  'node.started',
  'node.start_failed',
  'node.signal',
  'node.exit_now',
  'node.stopped',
  'node.stop_failed',
  'node.stop_step_failed',
  'node.stop_step_timeout',
  'node.stop_step_done',
  'node.peer_id_not_in_genesis',
  'node.key_mode_fixed',
  'node.listener_failed',
  'process.warning',
  // ingest and gossip (ingest.ts, gossip/*)
  'message.accepted',
  'message.rejected',
  'message.ignored',
  'message.dropped',
  'message.own_rejected',
  'message.publish_failed',
  'ingest.store_failed',
  'ingest.apply_failed',
  'commitment.equivocation',
  'certificate.conflict',
  // peers and sync (peer-manager.ts, sync/*)
  'peer.banned',
  'peer.keep_failed',
  'peer.dial_failed',
  'peer.hangup_failed',
  'sync.peer_failed',
  // agreement (agreement/*)
  'dkg.missing',
  'breach.seen',
  'breach.detected',
  'approval.needed',
  'approval.recorded',
  'vote.signed',
  'vote.refused',
  'vote.republished',
  'certificate.formed',
  'certificate.recover_failed',
  'certificate.dominated',
  'certificate.applied',
  'certificate.stored_invalid',
  'hooks.done',
  'hooks.rerun',
  'hooks.reasserting',
  'hooks.reasserted',
  'hooks.reassert_failed',
  'hooks.run_failed',
  'failsafe.tripped',
  'failsafe.cleared',
  // API (api/*)
  'api.handler_failed',
] as const;

/** Every event name: the node's own and those of the hook runner and adapters (@pausenet/hooks). */
export const LOG_EVENTS = [...NODE_LOG_EVENTS, ...HOOK_LOG_EVENTS] as const;

export type LogEvent = (typeof LOG_EVENTS)[number];
