import { h, mount, s } from '../dom.js';
import { formatPercent } from '../format.js';
import { CAP_LABELS, type CapName, type Series } from '../model.js';

/** Colour-blind-safe-ish palette (Okabe–Ito, darkened for contrast on white). */
const COLORS = ['#0060a8', '#b85c00', '#00795c', '#a8327a', '#5b4a9c', '#6b5a00', '#2f4f4f', '#8a2c2c'];

/** Colour of the lab at position i in genesis order (shared by the chart and its legend). */
export function labColor(i: number): string {
  return COLORS[i % COLORS.length]!;
}

const H = 240;
const PAD = { l: 48, r: 14, t: 12, b: 30 };

/** Line chart of one capped metric (as % of its cap) per lab over recent epochs; misses marked ✕. */
export function renderChart(host: HTMLElement, series: Series[], cap: CapName, width: number): void {
  // Drawn at the host's pixel width so labels stay legible on phones and wide screens alike.
  const W = Math.round(Math.min(960, Math.max(300, width)));
  const epochs = series[0]?.points.map((p) => p.epoch) ?? [];
  const peak = Math.max(1.2, ...series.flatMap((sr) => sr.points.map((p) => (p.ratio ?? 0) * 1.05)));
  const step = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100].find((st) => peak / st <= 5) ?? peak / 4;
  const maxRatio = Math.ceil(peak / step) * step;
  const x = (i: number) => PAD.l + (epochs.length <= 1 ? 0 : (i * (W - PAD.l - PAD.r)) / (epochs.length - 1));
  const y = (r: number) => H - PAD.b - (r / maxRatio) * (H - PAD.t - PAD.b);
  const grid = Array.from({ length: Math.round(maxRatio / step) + 1 }, (_, i) => i * step);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-labelledby': 'chart-title',
    },
    s(
      'title',
      { id: 'chart-title' },
      `${CAP_LABELS[cap]} per epoch as a percentage of the policy cap, by lab`,
    ),
    grid.map((g) => [
      s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(g), y2: y(g), class: 'grid' }),
      s('text', { x: PAD.l - 6, y: y(g) + 4, class: 'axis', 'text-anchor': 'end' }, formatPercent(g)),
    ]),
    s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(1), y2: y(1), class: 'cap-line' }),
    s('text', { x: W - PAD.r, y: y(1) - 4, class: 'cap-label', 'text-anchor': 'end' }, 'cap'),
    epochs.map((e, i) =>
      i % Math.max(1, Math.ceil(epochs.length / 12)) === 0
        ? s('text', { x: x(i), y: H - PAD.b + 16, class: 'axis', 'text-anchor': 'middle' }, String(e))
        : null,
    ),
    s('text', { x: (W + PAD.l) / 2, y: H - 2, class: 'axis', 'text-anchor': 'middle' }, 'epoch'),
    series.map((sr, li) => {
      const color = labColor(li);
      const pts = sr.points.map((p, i) => ({ ...p, i })).filter((p) => p.ratio !== null);
      // Break the line where an epoch has no commitment rather than drawing through the gap.
      const d = pts
        .map(
          (p, k) =>
            `${k && pts[k - 1]!.i === p.i - 1 ? 'L' : 'M'}${x(p.i).toFixed(1)},${y(p.ratio!).toFixed(1)}`,
        )
        .join(' ');
      return s(
        'g',
        { 'data-lab': sr.lab },
        d ? s('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }) : null,
        pts.map((p) =>
          s(
            'circle',
            { cx: x(p.i), cy: y(p.ratio!), r: 3.5, fill: p.ratio! > 1 ? '#b00020' : color },
            s('title', null, `${sr.lab}, epoch ${p.epoch}: ${formatPercent(p.ratio!)} of cap`),
          ),
        ),
        sr.points
          .map((p, i) => ({ ...p, i }))
          .filter((p) => p.missed)
          .map((p) =>
            s(
              'text',
              {
                x: x(p.i),
                y: H - PAD.b - 4 - li * 11,
                class: 'miss-mark',
                'text-anchor': 'middle',
                fill: color,
              },
              '✕',
              s('title', null, `${sr.lab} missed the deadline for epoch ${p.epoch}`),
            ),
          ),
      );
    }),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((sr, i) =>
      h(
        'li',
        null,
        h('span', { class: 'swatch', style: `background:${labColor(i)}`, 'aria-hidden': 'true' }),
        sr.lab,
      ),
    ),
    h('li', null, h('span', { class: 'swatch swatch-cap', 'aria-hidden': 'true' }), 'policy cap'),
    h('li', null, h('span', { class: 'miss-key', 'aria-hidden': 'true' }, '✕'), 'missed deadline'),
  );
  const data = h(
    'details',
    null,
    h('summary', null, 'Chart data as a table'),
    h(
      'div',
      { class: 'scroll', role: 'region', 'aria-label': 'Chart data', tabindex: 0 },
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Epoch'),
            series.map((sr) => h('th', { scope: 'col' }, sr.lab)),
          ),
        ),
        h(
          'tbody',
          null,
          epochs.map((e, i) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, String(e)),
              series.map((sr) => {
                const p = sr.points[i]!;
                return h('td', null, p.ratio !== null ? formatPercent(p.ratio) : p.missed ? 'missed' : '—');
              }),
            ),
          ),
        ),
      ),
    ),
  );
  mount(host, epochs.length ? [svg, legend, data] : h('p', null, 'No epochs yet.'));
}
