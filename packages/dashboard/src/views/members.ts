import { h, mount } from '../dom.js';
import { formatAgo, formatBig, formatBps, formatPercent, shortHex } from '../format.js';
import { CAP_LABELS, type MemberRow } from '../model.js';

/** Members table: connection, latest commitment, each capped metric as a bar against its cap. */
export function renderMembers(host: HTMLElement, rows: MemberRow[], now: number): void {
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
      rows.map((r) => row(r, now)),
    ),
  );
  mount(
    host,
    h('div', { class: 'scroll', role: 'region', 'aria-label': 'Members table', tabindex: 0 }, table),
  );
}

function row(r: MemberRow, now: number): HTMLElement {
  const cls = [r.overCap ? 'row-over' : '', r.missed.length ? 'row-missed' : ''].join(' ').trim();
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
        : h('em', null, 'none yet'),
    ),
    ...r.caps.map((c) =>
      h(
        'td',
        { 'data-label': CAP_LABELS[c.cap], class: c.over ? 'cell-over' : null },
        h(
          'div',
          { class: 'bar', 'aria-hidden': 'true' },
          h('div', {
            class: `bar-fill ${c.over ? 'bar-over' : c.ratio > 0.8 ? 'bar-warn' : ''}`,
            style: `width:${Math.min(100, c.ratio * 100).toFixed(1)}%`,
          }),
        ),
        h('strong', { class: 'bar-pct' }, `${formatPercent(c.ratio)} of cap${c.over ? ' — OVER' : ''}`),
        h('br'),
        h('small', { class: 'bar-text' }, `${formatBig(c.value)} / ${formatBig(c.limit)}`),
      ),
    ),
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
