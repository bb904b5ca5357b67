import type { StatusBody } from '@pausenet/protocol/api';

function ago(ms: number): string {
  if (ms < 1000) return 'just now';
  if (ms < 120_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m ago`;
  return `${Math.round(ms / 3_600_000)}h ago`;
}

/** Human-readable rendering of /v1/status. */
export function formatStatus(s: StatusBody, now: number): string {
  const out: string[] = [];
  const who = s.role === 'member' ? `member ${s.self}` : 'observer';
  out.push(`network   ${s.networkId.slice(0, 16)}…  (${who}, peer ${s.peerId})`);
  const since = s.since ? ` since ${new Date(s.since).toISOString()} (${ago(now - s.since)})` : '';
  out.push(`state     ${s.state} at height ${s.height}${since}; threshold ${s.threshold}`);
  out.push(`ready     ${s.ready ? 'yes' : `no: ${s.readyReason ?? 'starting'}`}`);
  const peerNames = s.peers.map((p) => p.lab ?? `${p.peerId.slice(0, 12)}…`);
  out.push(`peers     ${s.peers.length} connected${peerNames.length ? `: ${peerNames.join(', ')}` : ''}`);
  out.push('labs');
  for (const l of s.labs) {
    const c = l.lastCommitment;
    const late =
      c && c.lateness !== 'on-time'
        ? ` — ${c.lateness === 'late' ? 'LATE' : 'lateness not judged'}: first seen ${ago(now - c.firstSeenAt)}`
        : '';
    const last = c ? `epoch ${c.epoch} seq ${c.seq} (${ago(now - c.issuedAt)})${late}` : 'no commitment yet';
    out.push(`  ${l.id.padEnd(12)} ${(l.connected ? 'connected' : 'offline').padEnd(10)} last: ${last}`);
  }
  const b = s.breaches;
  if (b.openCount > 0 || b.resolvedCount > 0) {
    out.push(`breaches  ${b.openCount} open, ${b.resolvedCount} resolved`);
    for (const x of b.open)
      out.push(
        `  ${x.id}  ${x.kind} ${x.lab} epoch ${x.epoch}  evidence ${x.evidence.slice(0, 16)}…${x.actedOnHeight !== null ? `  acted on at height ${x.actedOnHeight}` : ''}`,
      );
    if (b.openCount > b.open.length) out.push(`  … ${b.openCount - b.open.length} more (GET /v1/status)`);
  }
  if (s.pendingVotes.length) {
    out.push('pending votes');
    for (const v of s.pendingVotes)
      out.push(
        `  height ${v.height} -> ${v.target}: ${v.voters.length}/${v.needed} (${v.voters.join(', ')})${v.target === 'RUNNING' ? ` resolving ${v.resolves.length} breach(es)` : ''}`,
      );
  }
  const waiting = s.approvals.filter((a) => !a.approved);
  if (waiting.length) {
    out.push('awaiting operator approval');
    for (const a of waiting)
      out.push(
        `  height ${a.height} -> ${a.target}: run \`pausenet approve ${a.height}${a.target === 'RUNNING' ? ' --resume' : ''}\``,
      );
  }
  if (s.hooks.length) {
    out.push('hooks');
    for (const h of s.hooks) {
      const err = h.lastError ? ` — ${h.lastError}` : '';
      out.push(
        `  height ${h.height} ${h.action.padEnd(6)} ${h.hook.padEnd(16)} ${h.status} (${h.attempts} attempts${h.reasserts ? `, re-asserted ${h.reasserts}x on start` : ''})${err}`,
      );
    }
  }
  return out.join('\n');
}
