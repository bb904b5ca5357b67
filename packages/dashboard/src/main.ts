/** Page controller: loads genesis and status, follows live updates, verifies certificates, renders. */
import './style.css';
import {
  type CertificateJson,
  type CommitmentJson,
  type EvidenceJson,
  type GenesisJson,
  getJson,
  type StatusJson,
} from './api.js';
import { h, mount } from './dom.js';
import { formatAgo, shortHex } from './format.js';
import { type ConnMode, followStatus } from './live.js';
import {
  CAP_LABELS,
  CAP_NAMES,
  type CapName,
  capSeries,
  epochAt,
  memberRows,
  networkFirstEpoch,
  timeline,
} from './model.js';
import { commitmentContext, stateReason } from './reasons.js';
import { checkChain, type VerifyResult, verifyCertificateFull } from './verify.js';
import { renderCertificates } from './views/certificates.js';
import { renderChart } from './views/chart.js';
import { renderEvidence } from './views/evidence.js';
import { renderMembers } from './views/members.js';
import { renderState } from './views/state.js';

/** How many recent epochs the members chart and missed-deadline check cover. */
const EPOCH_WINDOW = 12;

interface PageState {
  genesis: GenesisJson | null;
  status: StatusJson | null;
  certs: CertificateJson[];
  evidence: EvidenceJson[];
  commitments: CommitmentJson[];
  verdicts: Map<string, VerifyResult>;
  cap: CapName;
  conn: { mode: ConnMode; detail: string; lastUpdate: number | null };
}

const st: PageState = {
  genesis: null,
  status: null,
  certs: [],
  evidence: [],
  commitments: [],
  verdicts: new Map(),
  cap: 'trainingFlop',
  conn: { mode: 'connecting', detail: 'connecting…', lastUpdate: null },
};

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function verdictKey(c: CertificateJson): string {
  return `${c.hash}:${c.statement}:${c.signature}`;
}

function verdict(c: CertificateJson): VerifyResult | null {
  return st.verdicts.get(verdictKey(c)) ?? null;
}

let verifying = false;
/** Verify unverified certificates one per macrotask so the page stays responsive. */
function scheduleVerify(): void {
  if (verifying || !st.genesis || !st.status) return;
  const next = st.certs.find((c) => !st.verdicts.has(verdictKey(c)));
  if (!next) return;
  verifying = true;
  setTimeout(() => {
    verifying = false;
    if (!st.genesis || !st.status) return;
    const t0 = performance.now();
    const v = verifyCertificateFull(st.genesis.dkg?.groupPublicKey, st.status.networkId, next);
    // Exposed for tests and the curious: how long the in-page pairing check took.
    document.body.dataset['lastVerifyMs'] = (performance.now() - t0).toFixed(0);
    st.verdicts.set(verdictKey(next), v);
    if (next.height === st.status.height) announceState();
    render();
    scheduleVerify();
  }, 0);
}

let lastAnnounced = '';
function announceState(): void {
  const s = st.status;
  if (!s) return;
  const cur = st.certs.find((c) => c.height === s.height);
  const v = cur ? verdict(cur) : null;
  const check =
    s.height === 0
      ? ''
      : v === null
        ? ''
        : v.ok
          ? ', certificate verified in your browser'
          : ', certificate NOT verified';
  const text = `Network is ${s.state} at height ${s.height}${check}.`;
  if (text !== lastAnnounced) {
    lastAnnounced = text;
    $('announce').textContent = text;
  }
}

/** Re-render a section, keeping keyboard focus on the same focusable element when possible. */
function keepFocus(host: HTMLElement, fn: () => void): void {
  const sel = 'a[href], button, select, summary, [tabindex]';
  const active = document.activeElement;
  const idx = active && host.contains(active) ? [...host.querySelectorAll(sel)].indexOf(active) : -1;
  const open = [...host.querySelectorAll('details')].map((d) => d.open);
  fn();
  host.querySelectorAll('details').forEach((d, i) => {
    if (open[i]) d.open = true;
  });
  if (idx >= 0) (host.querySelectorAll(sel)[idx] as HTMLElement | undefined)?.focus({ preventScroll: true });
}

const lastKeys = new Map<string, string>();
function section(id: string, key: unknown, fn: (host: HTMLElement) => void): void {
  const k = JSON.stringify(key);
  if (lastKeys.get(id) === k) return;
  lastKeys.set(id, k);
  const host = $(id);
  keepFocus(host, () => fn(host));
}

function render(): void {
  const { genesis, status } = st;
  renderConn();
  if (!genesis || !status) return;
  const now = Date.now();
  const nowCoarse = Math.floor(now / 5000);
  document.title = `${status.state} · ${genesis.name} · pausenet`;
  $('network-name').textContent = genesis.name;
  // The node serving this page: a member node shows its own lab (its API accepts that lab's writes).
  $('node-role').textContent =
    status.role === 'member' ? `member node${status.self ? ` · ${status.self}` : ''}` : 'observer';
  const current = st.certs.find((c) => c.height === status.height) ?? null;
  const curVerdict = current ? verdict(current) : null;
  const reason = stateReason(status, current, st.evidence);
  section(
    'state',
    [status.state, status.height, status.since, current, curVerdict, reason, nowCoarse],
    (host) => renderState(host, { status, genesis, current, verdict: curVerdict, reason, now }),
  );
  const to = epochAt(genesis.policy, now);
  const win = { from: Math.max(0, to - EPOCH_WINDOW + 1), to };
  const rows = memberRows(genesis, status, st.commitments, win, now);
  const contexts = new Map(
    rows.flatMap((r) =>
      r.latest ? [[r.id, commitmentContext(r.latest, to, st.certs, st.evidence)] as const] : [],
    ),
  );
  section(
    'members-table',
    [status.labs, st.commitments, win, [...contexts], Math.floor(now / 30_000)],
    (host) => renderMembers(host, rows, now, contexts),
  );
  const chartWidth = $('chart').clientWidth;
  const first = networkFirstEpoch(status, st.commitments, win);
  section('chart', [st.cap, st.commitments, win, String(first), chartWidth], (host) =>
    renderChart(
      host,
      to < 0 ? [] : capSeries(genesis, st.commitments, st.cap, win, now, first),
      st.cap,
      chartWidth,
    ),
  );
  section('evidence-body', [st.certs, st.evidence, status.pendingVotes, status.hooks, status.since], (host) =>
    renderEvidence(host, timeline(st.certs, st.evidence, status, genesis.threshold), st.evidence),
  );
  const verdicts = st.certs.map(verdict);
  section('certificates-body', [st.certs, verdicts], (host) =>
    renderCertificates(host, st.certs, verdict, checkChain(st.certs, genesis)),
  );
  section('about', [status.networkId, status.role, status.peerId, status.peers.length], (host) =>
    mount(
      host,
      h('dt', null, 'Network id'),
      h('dd', null, h('code', { class: 'hex' }, status.networkId)),
      h('dt', null, 'Group public key'),
      h('dd', null, h('code', { class: 'hex' }, genesis.dkg?.groupPublicKey ?? '— (no DKG yet)')),
      h('dt', null, 'This node'),
      h(
        'dd',
        null,
        `${status.role}${status.self ? ` (${status.self})` : ''}, peer `,
        h('code', { title: status.peerId }, shortHex(status.peerId, 12, 6)),
        `, ${status.peers.length} peers`,
      ),
    ),
  );
}

function renderConn(): void {
  const c = st.conn;
  const el = $('conn');
  el.dataset['mode'] = c.mode;
  const label =
    c.mode === 'live'
      ? 'Live'
      : c.mode === 'polling'
        ? 'Polling'
        : c.mode === 'offline'
          ? 'Offline'
          : 'Connecting';
  const updated = c.lastUpdate === null ? '' : ` · updated ${formatAgo(c.lastUpdate, Date.now())}`;
  const text = `${label}${updated}`;
  if (el.dataset['text'] !== text) {
    el.dataset['text'] = text;
    mount(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { title: c.detail }, text));
  }
}

async function refreshCerts(): Promise<void> {
  st.certs = await getJson<CertificateJson[]>('v1/certificates');
}

async function refreshEvidence(): Promise<void> {
  st.evidence = await getJson<EvidenceJson[]>('v1/evidence');
}

async function refreshCommitments(): Promise<void> {
  if (!st.genesis) return;
  const to = epochAt(st.genesis.policy, Date.now());
  if (to < 0) return;
  const from = Math.max(0, to - EPOCH_WINDOW + 1);
  st.commitments = await getJson<CommitmentJson[]>(`v1/commitments?from=${from}&to=${to}`);
}

let refreshing: Promise<void> | null = null;
let again = false;
/** Refetch the lists that SSE status does not carry; coalesces bursts of updates. */
function refreshLists(): void {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = Promise.allSettled([refreshCerts(), refreshEvidence(), refreshCommitments()]).then((rs) => {
    const failed = rs.find((r) => r.status === 'rejected');
    if (failed) st.conn.detail = String((failed as PromiseRejectedResult).reason);
    refreshing = null;
    render();
    scheduleVerify();
    if (again) {
      again = false;
      refreshLists();
    }
  });
}

function onStatus(s: StatusJson): void {
  st.status = s;
  st.conn.lastUpdate = Date.now();
  refreshLists();
  announceState();
  render();
}

async function boot(): Promise<void> {
  const select = $('chart-metric') as HTMLSelectElement;
  for (const cap of CAP_NAMES) select.append(h('option', { value: cap }, CAP_LABELS[cap]));
  select.addEventListener('change', () => {
    st.cap = select.value as CapName;
    render();
  });
  for (;;) {
    try {
      st.genesis = await getJson<GenesisJson>('v1/genesis');
      st.status = await getJson<StatusJson>('v1/status');
      break;
    } catch (err) {
      st.conn = { mode: 'offline', detail: (err as Error).message, lastUpdate: null };
      renderConn();
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  document.body.dataset['ready'] = 'true';
  onStatus(st.status);
  followStatus({
    onStatus,
    onMode: (mode, detail) => {
      st.conn.mode = mode;
      st.conn.detail = detail;
      renderConn();
    },
  });
  // Relative times, deadlines and the epoch window move with the clock; lists refresh as a backstop.
  setInterval(render, 1000);
  window.addEventListener('resize', () => render());
  setInterval(refreshLists, 15_000);
}

void boot();
