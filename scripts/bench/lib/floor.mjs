// The wide-area floor of a pause round (pure; no I/O). Definition as in ../shared/wan/regions.json:
// the breach is published at origin lab b; lab v votes when the breach reaches it; lab L holds a
// certificate once t partials (its own included) reached it, so
//   floor(L) = t-th smallest over v of dist(b,v) + dist(v,L),
// dist = shortest-path one-way delay between labs; the all-halted floor is the max over L. No
// processing time is included.

/** One-way delay (ms) between two labs placed in the same region (regions.json: sameRegionRttMs / 2). */
const sameRegionOneWay = (regions) => (regions.sameRegionRttMs ?? 1) / 2;

/**
 * Direct one-way delays (ms) between the labs placed in `placement` (region names): RTT/2 between
 * regions, half the same-region RTT between two labs in one region, 0 from a lab to itself. This is
 * what the emulation applies to each connection.
 */
export function labDelays(regions, placement) {
  const idx = placement.map((name) => {
    const i = regions.regions.indexOf(name);
    if (i < 0) throw new Error(`unknown region ${name} (regions.json lists ${regions.regions.join(', ')})`);
    return i;
  });
  const same = sameRegionOneWay(regions);
  return idx.map((a, i) =>
    idx.map((b, j) => {
      if (i === j) return 0;
      if (a === b) return same;
      return regions.rttMs[a][b] / 2;
    }),
  );
}

/**
 * Shortest-path one-way delays over the labs' graph (Floyd-Warshall): a message relayed by a third lab
 * can beat the direct link, since measured inter-region RTTs do not obey the triangle inequality.
 */
export function shortestPaths(delays) {
  const n = delays.length;
  const d = delays.map((row) => [...row]);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (d[i][k] + d[k][j] < d[i][j]) d[i][j] = d[i][k] + d[k][j];
  return d;
}

/** All-halted floor (ms) for a breach published at lab `origin` with threshold `t`, on distances `dist`. */
export function allHaltedFloor(dist, origin, t) {
  const n = dist.length;
  if (!(t >= 1 && t <= n)) throw new Error(`threshold ${t} out of range for ${n} labs`);
  let worst = 0;
  for (let L = 0; L < n; L++) {
    const arrivals = dist.map((_, v) => dist[origin][v] + dist[v][L]).sort((a, b) => a - b);
    worst = Math.max(worst, arrivals[t - 1]);
  }
  return worst;
}

/**
 * Middle value; for an even count the upper of the two middle values. regions.json computes its
 * median over origins this way, and the wide-area rows use the same rule for p50 and floor alike.
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Floors for one network size from regions.json: the one-way delay matrix the emulation applies, the
 * shortest-path distances, the threshold and the all-halted floor for every origin.
 */
export function wanFloors(regions, labs) {
  const placement = regions.labsByNetworkSize[String(labs)];
  const threshold = regions.thresholdByNetworkSize[String(labs)];
  if (!placement || threshold === undefined)
    throw new Error(`regions.json has no placement for ${labs} labs`);
  const delays = labDelays(regions, placement);
  const dist = shortestPaths(delays);
  const byOrigin = placement.map((_, b) => allHaltedFloor(dist, b, threshold));
  return { labs, threshold, placement, delays, dist, byOrigin, median: median(byOrigin) };
}
