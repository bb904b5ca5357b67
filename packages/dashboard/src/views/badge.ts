import { h } from '../dom.js';
import type { VerifyResult } from '../verify.js';

/** The "verified in your browser" badge; `null` means the check is still running. */
export function verifiedBadge(v: VerifyResult | null, testid?: string): HTMLElement {
  if (v === null) {
    return h(
      'span',
      { class: 'badge badge-pending', 'data-testid': testid, 'data-result': 'pending' },
      'Checking…',
    );
  }
  if (v.ok) {
    return h(
      'span',
      { class: 'badge badge-ok', 'data-testid': testid, 'data-result': 'verified' },
      h('span', { 'aria-hidden': 'true' }, '✓ '),
      'Verified in your browser',
    );
  }
  return h(
    'span',
    { class: 'badge badge-bad', 'data-testid': testid, 'data-result': 'failed', title: v.detail },
    h('span', { 'aria-hidden': 'true' }, '✗ '),
    `NOT verified: ${v.detail}`,
  );
}
