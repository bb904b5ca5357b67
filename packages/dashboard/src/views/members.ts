import { h, mount } from '../dom.js';
import { formatAgo, formatBig, formatBps, formatPercent, shortHex } from '../format.js';
import { CAP_LABELS, type CapUse, type MemberRow } from '../model.js';
import type { CommitmentContext } from '../reasons.js';

/**
 * Members table: connection, latest commitment, each capped metric as a bar against its cap. `contexts`
 * (by lab) says whether the latest figures are this epoch's and whether a resume came after them.
 */
export function renderMembers(
  host: HTMLElement,
  rows: MemberRow[],
  now: number,
  contexts: Map<string, CommitmentContext> = new Map(),
): void {
  const table = h(
    'table',
    { class: 'members' },
    h(
      'caption',
      { class: 'sr-only' },
      'Member labs, their latest signed commitment and its metrics against policy caps',
    ),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Lab'),
        h('th', { scope: 'col' }, 'Latest commitment'),
        ...Object.values(CAP_LABELS).map((l) => h('th', { scope: 'col' }, l)),
        h('th', { scope: 'col' }, 'Deadlines'),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) => row(r, now, contexts.get(r.id) ?? null)),
    ),
  );
  mount(
    host,
    h('div', { class: 'scroll', role: 'region', 'aria-label': 'Members table', tabindex: 0 }, table),
  );
}

/** "this epoch" / "last commitment, epoch N" and, after a resume, "before the resume at height H". */
function contextLine(r: MemberRow, ctx: CommitmentContext | null): string | null {
  if (!r.latest || !ctx) return null;
  const when = ctx.currentEpoch ? 'this epoch' : `last commitment, epoch ${r.latest.epoch}`;
  if (ctx.beforeResumeAt === null) return when;
  const step = ctx.resumedTo === 'RUNNING' ? 'the resume' : `the step down to ${ctx.resumedTo}`;
  return `${when}, before ${step} at height ${ctx.beforeResumeAt}`;
}

function capCell(c: CapUse, r: MemberRow, ctx: CommitmentContext | null): HTMLElement {
  if (!r.latest)
    return h(
      'td',
      { 'data-label': CAP_LABELS[c.cap], class: 'cell-none' },
      h('em', null, 'no commitment yet'),
      h('br'),
      h('small', { class: 'bar-text' }, `cap ${formatBig(c.limit)}`),
    );
  const resolvedAt = ctx?.resolvedAt ?? null;
  const resolved = c.over && resolvedAt !== null;
  const verdict = c.over ? (resolved ? ` — over; resolved at height ${resolvedAt}` : ' — OVER') : '';
  return h(
    'td',
    { 'data-label': CAP_LABELS[c.cap], class: c.over ? (resolved ? 'cell-resolved' : 'cell-over') : null },
    h(
      'div',
      { class: 'bar', 'aria-hidden': 'true' },
      h('div', {
        class: `bar-fill ${c.over ? (resolved ? 'bar-resolved' : 'bar-over') : c.ratio > 0.8 ? 'bar-warn' : ''}`,
        style: `width:${Math.min(100, c.ratio * 100).toFixed(1)}%`,
      }),
    ),
    h('strong', { class: 'bar-pct' }, `${formatPercent(c.ratio)} of cap${verdict}`),
    h('br'),
    h('small', { class: 'bar-text' }, `${formatBig(c.value)} / ${formatBig(c.limit)}`),
  );
}

function row(r: MemberRow, now: number, ctx: CommitmentContext | null): HTMLElement {
  const alarm = r.overCap && (ctx?.resolvedAt ?? null) === null;
  const cls = [alarm ? 'row-over' : '', r.missed.length ? 'row-missed' : ''].join(' ').trim();
  const when = contextLine(r, ctx);
  return h(
    'tr',
    { class: cls || null, 'data-lab': r.id },
    h(
      'th',
      { scope: 'row', 'data-label': 'Lab' },
      h('span', { class: 'lab-id' }, r.id),
      h('br'),
      h('small', null, r.name),
      h('br'),
      h(
        'span',
        { class: r.connected ? 'conn conn-up' : 'conn conn-down' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        r.connected ? 'connected' : 'not connected',
      ),
    ),
    h(
      'td',
      { 'data-label': 'Latest commitment' },
      r.latest
        ? [
            `epoch ${r.latest.epoch} · seq ${r.latest.seq}`,
            when ? [h('br'), h('small', { class: 'when', 'data-testid': 'when' }, when)] : null,
            h('br'),
            h(
              'small',
              { title: r.latest.hash },
              `${formatAgo(r.latest.issuedAt, now)} · ${shortHex(r.latest.hash)}`,
            ),
            h('br'),
            h(
              'small',
              null,
              `${formatBig(r.latest.metrics.acceleratorHours)} accel.-h · ${formatBps(r.latest.metrics.utilizationBps)} util.`,
            ),
          ]
        : h('em', null, 'no commitment yet'),
    ),
    ...r.caps.map((c) => capCell(c, r, ctx)),
    h(
      'td',
      { 'data-label': 'Deadlines' },
      r.missed.length
        ? h(
            'span',
            { class: 'missed' },
            h('span', { 'aria-hidden': 'true' }, '⚠ '),
            `missed epoch${r.missed.length > 1 ? 's' : ''} ${r.missed.join(', ')}`,
          )
        : h('span', { class: 'ok-text' }, 'on time'),
    ),
  );
}
