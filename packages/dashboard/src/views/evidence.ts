import type { EvidenceJson } from '../api.js';
import { h, mount } from '../dom.js';
import { formatTime, shortHex } from '../format.js';
import { describeEvidence, type Episode, type TimelineStep } from '../model.js';

/** Timeline of transitions (breach → votes → certificate → halts) and the full evidence list. */
export function renderEvidence(host: HTMLElement, episodes: Episode[], evidence: EvidenceJson[]): void {
  const views = evidence.map(describeEvidence).sort((a, b) => (b.issuedAt ?? 0) - (a.issuedAt ?? 0));
  mount(
    host,
    h('h3', null, 'Timeline'),
    episodes.length
      ? h('ol', { class: 'timeline', reversed: true }, episodes.map(episode))
      : h('p', null, 'No transitions yet: the network has been RUNNING since genesis.'),
    h('h3', null, `Evidence (${views.length})`),
    views.length
      ? h(
          'div',
          { class: 'scroll', role: 'region', 'aria-label': 'Evidence table', tabindex: 0 },
          h(
            'table',
            { class: 'evidence' },
            h('caption', { class: 'sr-only' }, 'All evidence this node has accepted, newest first'),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Filed', 'Kind', 'Subject', 'Reporter', 'What', 'Hash'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              views.map((v) =>
                h(
                  'tr',
                  null,
                  h('td', { 'data-label': 'Filed' }, formatTime(v.issuedAt)),
                  h('td', { 'data-label': 'Kind' }, h('span', { class: `kind kind-${v.kind}` }, v.kind)),
                  h('td', { 'data-label': 'Subject' }, v.subject),
                  h('td', { 'data-label': 'Reporter' }, v.reporter),
                  h('td', { 'data-label': 'What' }, v.detail),
                  h('td', { 'data-label': 'Hash' }, h('code', { title: v.hash }, shortHex(v.hash))),
                ),
              ),
            ),
          ),
        )
      : h('p', null, 'No evidence has been filed.'),
  );
}

function episode(ep: Episode): HTMLElement {
  const title = `Height ${ep.height} → ${ep.target}`;
  return h(
    'li',
    { class: `episode episode-${ep.target.toLowerCase()}${ep.certified ? '' : ' episode-pending'}` },
    h('h4', null, title, ep.certified ? '' : ' (collecting votes)'),
    h('ol', { class: 'steps' }, ep.steps.map(step)),
  );
}

function step(st: TimelineStep): HTMLElement {
  switch (st.type) {
    case 'evidence':
      return h(
        'li',
        { class: 'step step-evidence' },
        h('strong', null, `Breach reported: ${st.evidence.kind}`),
        ` — ${st.evidence.subject}: ${st.evidence.detail}; filed by ${st.evidence.reporter}`,
        st.at !== null ? h('small', null, ` at ${formatTime(st.at)}`) : null,
      );
    case 'votes':
      return h(
        'li',
        { class: 'step step-votes' },
        h('strong', null, `Votes ${st.voters.length}/${st.needed}`),
        ` for ${st.target}: ${st.voters.length ? st.voters.join(', ') : 'none yet'}`,
        st.done ? '' : h('em', null, ' — waiting for more votes'),
      );
    case 'certificate':
      return h(
        'li',
        { class: 'step step-cert' },
        h('strong', null, `Certificate #${st.cert.height}`),
        ` → ${st.cert.target}, `,
        h('code', { title: st.cert.hash }, shortHex(st.cert.hash)),
        st.at !== null ? h('small', null, ` applied ${formatTime(st.at)}`) : null,
      );
    case 'hooks':
      return h(
        'li',
        { class: 'step step-hooks' },
        h('strong', null, st.hooks.some((x) => x.action === 'halt') ? 'Halts' : 'Resumes'),
        ' (this node): ',
        st.hooks.map((x, i) => [
          i ? ', ' : '',
          h(
            'span',
            { class: `hook hook-${x.status}`, title: x.lastError ?? '' },
            `${x.hook} ${x.status}${x.attempts > 1 ? ` after ${x.attempts} attempts` : ''}`,
          ),
        ]),
      );
  }
}
