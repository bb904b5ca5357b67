// Where a lab's CPU goes, from a V8 CPU profile (node --cpu-prof; BENCH_CPU_PROF makes every bench
// child write one). Each sample is charged to one layer: walking from the sampled frame towards the
// root, the first frame from a package with a layer of its own (noise, yamux, gossipsub, our store,
// BLS/Ed25519, ...) takes it. Frames without one (V8 builtins, node: internals, stream utilities,
// @noble helpers) fold into the caller that has one, or, with none above them, into their own group.
// Pure: no I/O.

/** [layer, url test] with a layer of their own, most specific first. */
const LAYERS = [
  ['libp2p noise (encryption)', /\/@chainsafe\/libp2p-noise\//],
  ['libp2p yamux (muxing)', /\/@chainsafe\/libp2p-yamux\//],
  ['libp2p gossipsub', /\/@libp2p\/gossipsub\//],
  ['libp2p tcp', /\/@libp2p\/tcp\//],
  ['BLS/Ed25519', /\/@chainsafe\/blst\/|\/packages\/crypto\//],
  // the hook journal (store/hook-journal) counts with the hooks it records, before the store's own row
  ['halt hooks', /\/packages\/hooks\/|\/packages\/node\/dist\/(agreement\/hook|store\/hook-journal)/],
  ['store (SQLite)', /\/better-sqlite3\/|\/packages\/node\/dist\/store\//],
  ['node: ingest, validation, agreement, sync', /\/packages\/node\/dist\//],
  ['protocol codec (CBOR)', /\/packages\/protocol\/|\/cborg\//],
  ['logging', /\/pino\/|\/sonic-boom\/|\/pino-/],
  ['libp2p stream plumbing (@libp2p/utils message streams)', /\/@libp2p\/utils\//],
  ['libp2p core (identify, ping, connections, peer store)', /\/libp2p\/dist\/|\/@libp2p\//],
  // the wide-area emulation's own work in a lab (timers, queues; also the node stream calls it makes)
  ['wide-area emulation (netdelay)', /\/scripts\/bench\/lib\/netdelay\.mjs/],
  ['bench harness (IPC, tracing, counters)', /\/scripts\/bench\//],
];

/** Groups for frames that fold into their caller; used only when no caller has a layer. */
const FOLDED = [
  ['@noble helpers', /\/@noble\//],
  ['stream utilities (it-*, uint8arraylist, protons)', /\/node_modules\//],
  ['node internals (net, streams, timers)', /^node:/],
];

const SPECIAL = {
  '(garbage collector)': 'GC',
  '(program)': 'V8/native outside JS (program)',
  '(idle)': 'idle',
  '(root)': 'other',
};

/** The layer a frame has of its own, or null when it folds into its caller. */
function ownLayer(url) {
  for (const [name, re] of LAYERS) if (re.test(url)) return name;
  return null;
}

function foldedGroup(url) {
  if (!url) return 'V8 builtins';
  for (const [name, re] of FOLDED) if (re.test(url)) return name;
  return 'other';
}

/**
 * Charge the profile's samples with timestamps in [fromUs, toUs] (the profile's clock: monotonic
 * microseconds, as process.hrtime) to layers. Counts samples, not the time between them: on a loaded
 * machine a sample after the process was descheduled spans the wait too, so only the shares of
 * samples say where CPU went (scale them by the process's measured CPU time). Returns {samples,
 * idleSamples, byLayer: {layer: samples}, bySelf: Map(function key -> samples)}.
 */
export function attribute(profile, fromUs = Number.NEGATIVE_INFINITY, toUs = Number.POSITIVE_INFINITY) {
  const parent = new Map();
  const byId = new Map();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const layerOf = new Map();
  const classify = (id) => {
    const hit = layerOf.get(id);
    if (hit !== undefined) return hit;
    const leaf = byId.get(id).callFrame;
    let out = SPECIAL[leaf.functionName] && !leaf.url ? SPECIAL[leaf.functionName] : undefined;
    if (out === undefined) {
      let fallback;
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const url = byId.get(cur).callFrame.url;
        const own = ownLayer(url);
        if (own) {
          out = own;
          break;
        }
        if (fallback === undefined && url) fallback = foldedGroup(url);
      }
      out ??= fallback ?? 'V8 builtins';
    }
    layerOf.set(id, out);
    return out;
  };
  const byLayer = {};
  const bySelf = new Map();
  let t = profile.startTime;
  let total = 0;
  let idle = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    const layer = classify(samples[i]);
    if (layer === 'idle') {
      idle++;
      continue;
    }
    total++;
    byLayer[layer] = (byLayer[layer] ?? 0) + 1;
    const f = byId.get(samples[i]).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1} [${layer}]`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + 1);
  }
  return { samples: total, idleSamples: idle, byLayer, bySelf };
}

/** The part of a frame's URL worth reading: package + path, or the repo-relative path. */
export function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  const pk = url.indexOf('/packages/');
  if (pk >= 0) return url.slice(pk + 1);
  return url.replace(/^file:\/\//, '');
}
