import type { CertificateJson, GenesisJson, StatusJson } from '../api.js';
import { h, mount, s } from '../dom.js';
import { formatAgo, formatTime, shortHex } from '../format.js';
import type { BreachLine, StateReason } from '../reasons.js';
import type { VerifyResult } from '../verify.js';
import { verifiedBadge } from './badge.js';

export interface StateProps {
  status: StatusJson;
  genesis: GenesisJson;
  /** The certificate at status.height (null at height 0 or while it is being fetched). */
  current: CertificateJson | null;
  verdict: VerifyResult | null;
  /** Which breaches the pause acted on, or what the resume resolved. */
  reason: StateReason;
  now: number;
}

/** Big RUNNING/PAUSED banner with height, since, and the certificate that put the network there. */
export function renderState(host: HTMLElement, p: StateProps): void {
  const paused = p.status.state === 'PAUSED';
  host.className = `state ${paused ? 'state-paused' : 'state-running'}`;
  const n = p.genesis.members.length;
  mount(
    host,
    h(
      'div',
      { class: 'state-head' },
      h('h2', { id: 'state-title', class: 'state-label' }, 'Network state'),
      h('p', { class: 'state-word', 'data-testid': 'state' }, stateIcon(paused), p.status.state),
      h(
        'p',
        { class: 'state-sub' },
        paused
          ? 'A threshold of member labs certified a pause: every lab halts frontier training.'
          : p.status.height === 0
            ? 'No certified pause: labs may train within the policy caps.'
            : 'A threshold of member labs certified the resume: labs may train within the policy caps.',
      ),
      reasonBlock(p.reason),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Height', String(p.status.height), 'height'),
      fact(
        'Since',
        p.status.since === null
          ? 'genesis'
          : `${formatTime(p.status.since)} (${formatAgo(p.status.since, p.now)})`,
        'since',
      ),
      fact('Threshold', `${p.status.threshold || p.genesis.threshold} of ${n} labs`),
      fact('Network', p.genesis.name),
    ),
    proof(p),
  );
}

const SHOWN = 5;

function breachItem(b: BreachLine): HTMLElement {
  const where = b.epoch === null ? b.lab : `${b.lab}, epoch ${b.epoch}`;
  return h(
    'li',
    { 'data-breach': b.id },
    h('strong', null, b.kind),
    ` — ${where}${b.detail ? `: ${b.detail}` : ''} `,
    h('small', { title: b.id }, `breach ${shortHex(b.id)}`),
  );
}

function breachList(list: BreachLine[], more = 0): HTMLElement {
  const extra = list.length - SHOWN + more;
  return h(
    'ul',
    { class: 'reason-list' },
    list.slice(0, SHOWN).map(breachItem),
    extra > 0 ? h('li', null, `… and ${extra} more (Evidence below)`) : null,
  );
}

const plural = (n: number, one: string, many = `${one}es`) => `${n} ${n === 1 ? one : many}`;

/** The reason line(s) of the banner: the breaches behind a pause, or what a resume resolved. */
function reasonBlock(r: StateReason): HTMLElement | null {
  if (r.kind === 'paused') {
    if (!r.known)
      return h(
        'div',
        { class: 'reason', 'data-testid': 'reason' },
        'This node does not report which breaches led here; see Evidence below.',
      );
    return h(
      'div',
      { class: 'reason', 'data-testid': 'reason' },
      r.actedOn.length
        ? [
            h('p', null, `Why: ${plural(r.actedOn.length + r.unlisted, 'open breach')}`),
            breachList(r.actedOn, r.unlisted),
          ]
        : h(
            'p',
            null,
            'Why: no open breach is recorded on this node (the members certified this level on evidence it has not received yet).',
          ),
      r.openedSince.length
        ? [
            h('p', null, `Opened since the pause: ${plural(r.openedSince.length, 'breach')}`),
            breachList(r.openedSince),
          ]
        : null,
    );
  }
  if (r.kind === 'resumed')
    return h(
      'div',
      { class: 'reason', 'data-testid': 'reason' },
      h(
        'p',
        null,
        `The resume at height ${r.height} resolves ${plural(r.resolved.length, 'breach')} (named in the signed statement)${r.resolved.length ? ':' : '.'}`,
      ),
      r.resolved.length ? breachList(r.resolved) : null,
      r.stillOpen.length
        ? [
            h(
              'p',
              null,
              `Still open: ${plural(r.stillOpen.length, 'breach')}; by policy they can lead to a new pause.`,
            ),
            breachList(r.stillOpen),
          ]
        : null,
    );
  if (r.stillOpen.length)
    return h(
      'div',
      { class: 'reason', 'data-testid': 'reason' },
      h('p', null, `Open: ${plural(r.stillOpen.length, 'breach')}, no pause certified (yet).`),
      breachList(r.stillOpen),
    );
  return null;
}

/** Pause bars or a play triangle drawn in SVG (no font dependency). */
function stateIcon(paused: boolean): SVGElement {
  return s(
    'svg',
    { class: 'state-icon', viewBox: '0 0 20 20', 'aria-hidden': 'true', focusable: 'false' },
    paused
      ? [
          s('rect', { x: 3, y: 2, width: 5, height: 16, rx: 1, fill: 'currentColor' }),
          s('rect', { x: 12, y: 2, width: 5, height: 16, rx: 1, fill: 'currentColor' }),
        ]
      : s('path', { d: 'M4 2 L18 10 L4 18 Z', fill: 'currentColor' }),
  );
}

function fact(term: string, value: string, testid?: string): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', null, term), h('dd', { 'data-testid': testid }, value));
}

function proof(p: StateProps): HTMLElement {
  if (p.status.height === 0) {
    return h(
      'div',
      { class: 'proof' },
      h('h3', null, 'Proof'),
      h('p', null, 'Height 0: every network starts RUNNING, so no certificate is needed.'),
      h(
        'span',
        { class: 'badge badge-none', 'data-testid': 'verified', 'data-result': 'none' },
        'No certificate',
      ),
    );
  }
  const c = p.current;
  if (!c) {
    return h(
      'div',
      { class: 'proof' },
      h('h3', null, `Certificate for height ${p.status.height}`),
      h(
        'span',
        { class: 'badge badge-pending', 'data-testid': 'verified', 'data-result': 'pending' },
        'Fetching…',
      ),
    );
  }
  return h(
    'div',
    { class: 'proof' },
    h('h3', null, `Certificate #${c.height}: → ${c.target}`),
    h('p', { class: 'verdict' }, verifiedBadge(p.verdict, 'verified')),
    h(
      'dl',
      { class: 'proof-fields' },
      h('dt', null, 'Signers (informational)'),
      h(
        'dd',
        null,
        h('span', { 'data-testid': 'signers' }, `${c.signers.join(', ')} (${c.signers.length})`),
        h('br'),
        h(
          'small',
          { 'data-testid': 'signers-note' },
          'as this node recorded them: the group signature proves that at least the threshold of members signed, not which ones, so this list is not covered by the check',
        ),
      ),
      h('dt', null, 'Statement'),
      h('dd', null, h('code', { class: 'hex' }, c.statement)),
      h('dt', null, 'Group signature'),
      h('dd', null, h('code', { class: 'hex', title: c.signature }, shortHex(c.signature, 24, 8))),
      h('dt', null, 'Group public key (from genesis)'),
      h('dd', null, h('code', { class: 'hex' }, p.genesis.dkg?.groupPublicKey ?? '—')),
    ),
    h(
      'p',
      { class: 'fine' },
      'Checked here, in this page, with a BLS12-381 pairing (ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_): ' +
        'the statement must name this network, this height and this state, and carry the group signature. ' +
        'Compare the group public key with your own copy of genesis.yaml.',
    ),
  );
}
