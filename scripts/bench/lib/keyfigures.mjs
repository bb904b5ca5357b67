// The key figures of a bench summary (run.mjs) as Markdown tables for docs/benchmarks.md: the wide-area
// and loopback pause rows, CPU per lab per transition, catch-up, and each performance target with
// whether this run met it. Pure: no I/O.

/** The performance targets the summary is held against. */
export const TARGETS = [
  {
    name: 'wide-area p50 / floor at 16 labs',
    limit: '<= 1.25',
    value: (s) => s.wan?.find((w) => w.labs === 16)?.ratio,
    met: (v) => v <= 1.25,
  },
  {
    name: 'wide-area p50 / floor at 4 labs',
    limit: '<= 1.15',
    value: (s) => s.wan?.find((w) => w.labs === 4)?.ratio,
    met: (v) => v <= 1.15,
  },
  {
    name: 'CPU per lab per transition at 16 labs (loopback)',
    limit: '<= 20 ms',
    value: (s) => s.cpuPerLabTransitionMs?.['16'],
    met: (v) => v <= 20,
    unit: ' ms',
  },
  {
    name: 'loopback pause p50 at 16 labs (processes)',
    limit: '<= 250 ms',
    value: (s) => s.pauseLatency?.find((p) => p.labs === 16)?.p50Ms,
    met: (v) => v <= 250,
    unit: ' ms',
  },
  {
    name: 'catch-up of 100k commitments',
    limit: '< 10000 ms',
    value: (s) => s.catchup100kMs,
    met: (v) => v < 10_000,
    unit: ' ms',
  },
];

const cell = (v) => (v === null || v === undefined ? '-' : String(v));

/** One row per size: figures, or the size's error. */
function sizeTable(rows, extra = []) {
  const head = [
    'labs',
    't',
    'runs',
    'p50 ms',
    'p95 ms',
    'floor ms',
    'p50 / floor',
    ...extra.map((e) => e[0]),
  ];
  const out = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows ?? []) {
    const figures = r.error
      ? [`failed: ${String(r.error).split('\n')[0]}`, '', '', '', '', '']
      : [r.threshold, r.runs, r.p50Ms, r.p95Ms, r.floorMs, r.ratio];
    out.push(`| ${[r.labs, ...figures, ...extra.map((e) => e[1](r))].map(cell).join(' | ')} |`);
  }
  return out;
}

/** Markdown lines: key figure tables and the targets with met / not met. */
export function keyFigures(summary) {
  const cpu = summary.cpuPerLabTransitionMs ?? {};
  const lines = [
    '## Key figures',
    '',
    'Wide area (`wan`: breach published at an origin lab -> every lab halted; floor for the same origins):',
    '',
    ...sizeTable(summary.wan),
    '',
    'Loopback (`pauseLatency`, every lab a process; CPU per lab per transition = `cpuPerLabTransitionMs`):',
    '',
    ...sizeTable(summary.pauseLatency, [['CPU per lab per transition ms', (r) => cpu[String(r.labs)]]]),
    '',
    `Catch-up of 100k commitments (\`catchup100kMs\`): ${cell(summary.catchup100kMs)} ms.`,
    '',
    '## Targets',
    '',
    '| target | limit | this run | met |',
    '| --- | --- | --- | --- |',
  ];
  for (const t of TARGETS) {
    const v = t.value(summary);
    const measured = v === null || v === undefined ? null : `${v}${t.unit ?? ''}`;
    const met = measured === null ? 'not measured' : t.met(v) ? 'yes' : 'no';
    lines.push(`| ${t.name} | ${t.limit} | ${cell(measured)} | ${met} |`);
  }
  lines.push('');
  return lines;
}
