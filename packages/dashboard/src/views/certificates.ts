import type { CertificateJson } from '../api.js';
import { h, mount } from '../dom.js';
import { shortHex } from '../format.js';
import type { ChainIssue, VerifyResult } from '../verify.js';
import { verifiedBadge } from './badge.js';

/** A `data:` URL for a JSON download of exactly what the node served (no blob lifetime to manage, works without a click handler). */
function jsonHref(value: unknown): string {
  return `data:application/json;charset=utf-8,${encodeURIComponent(`${JSON.stringify(value, null, 2)}\n`)}`;
}

/** The certificate chain, newest first, each with its in-browser verdict and a JSON download. */
export function renderCertificates(
  host: HTMLElement,
  certs: CertificateJson[],
  verdict: (c: CertificateJson) => VerifyResult | null,
  issues: ChainIssue[],
): void {
  const sorted = [...certs].sort((a, b) => b.height - a.height);
  mount(
    host,
    sorted.length
      ? [
          h(
            'p',
            null,
            h(
              'a',
              {
                class: 'button',
                href: jsonHref([...sorted].reverse()),
                download: 'pausenet-certificates.json',
                'data-testid': 'download-chain',
              },
              'Download the whole chain (JSON)',
            ),
            ' — check offline with ',
            h('code', null, 'pausenet verify'),
            '.',
          ),
          issues.length
            ? h(
                'ul',
                { class: 'issues', role: 'alert' },
                issues.map((i) => h('li', null, `Height ${i.height}: ${i.detail}`)),
              )
            : h(
                'p',
                { class: 'ok-text' },
                'Chain is well-formed: heights 1…n, alternating PAUSE/RESUME, enough signers.',
              ),
          h(
            'p',
            { class: 'fine' },
            'The check is one BLS pairing under the group key: it proves that at least the threshold of members signed each transition, not which members. The signer lists are what this node recorded, shown for information.',
          ),
          h(
            'div',
            { class: 'scroll', role: 'region', 'aria-label': 'Certificate chain', tabindex: 0 },
            h(
              'table',
              { class: 'certs' },
              h('caption', { class: 'sr-only' }, 'Pause and resume certificates, newest first'),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Height', 'Moves to', 'Signers (informational)', 'Hash', 'Check', 'Download'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                sorted.map((c) =>
                  h(
                    'tr',
                    { 'data-height': c.height },
                    h('th', { scope: 'row', 'data-label': 'Height' }, String(c.height)),
                    h(
                      'td',
                      { 'data-label': 'Moves to' },
                      h('span', { class: `pill pill-${c.target.toLowerCase()}` }, c.target),
                    ),
                    h(
                      'td',
                      {
                        'data-label': 'Signers (informational)',
                        title:
                          'recorded by this node; the group signature does not show which members signed',
                      },
                      c.signers.join(', '),
                    ),
                    h('td', { 'data-label': 'Hash' }, h('code', { title: c.hash }, shortHex(c.hash))),
                    h('td', { 'data-label': 'Check' }, verifiedBadge(verdict(c))),
                    h(
                      'td',
                      { 'data-label': 'Download' },
                      h(
                        'a',
                        {
                          href: jsonHref(c),
                          download: `pausenet-certificate-${c.height}.json`,
                          'aria-label': `Download certificate ${c.height} as JSON`,
                        },
                        'JSON',
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ]
      : h('p', null, 'No certificates yet: the network has been RUNNING since genesis.'),
  );
}
