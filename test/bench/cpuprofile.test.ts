// The bench's CPU-profile attribution: frames without a layer of their own fold into their caller's.
import { describe, expect, it } from 'vitest';
import { attribute, type CpuProfile, shortUrl } from '../../scripts/bench/lib/cpuprofile.mjs';

const NM = 'file:///repo/node_modules';
const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

// root -> gossipsub handler -> our ingest -> blst verify
//                            -> Uint8Array builtin (no url)
// root -> node:internal timers -> it-pipe helper
// root -> (garbage collector), (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6, 8, 9] },
    {
      id: 2,
      callFrame: frame('handleReceivedRpc', `${NM}/@libp2p/gossipsub/dist/src/gossipsub.js`),
      children: [3, 5],
    },
    { id: 3, callFrame: frame('ingestBytes', 'file:///repo/packages/node/dist/ingest.js'), children: [4] },
    { id: 4, callFrame: frame('verify', 'file:///repo/packages/crypto/dist/bls-backend.js'), children: [] },
    { id: 5, callFrame: frame('set', ''), children: [] },
    { id: 6, callFrame: frame('listOnTimeout', 'node:internal/timers'), children: [7] },
    { id: 7, callFrame: frame('pipe', `${NM}/it-pipe/dist/src/index.js`), children: [] },
    { id: 8, callFrame: frame('(garbage collector)', ''), children: [] },
    { id: 9, callFrame: frame('(idle)', ''), children: [] },
  ],
  startTime: 1000,
  endTime: 2000,
  samples: [4, 4, 5, 7, 8, 9, 9, 3],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100],
};

describe('CPU profile attribution', () => {
  it('charges each sample to the nearest frame with a layer, builtins to their caller', () => {
    const a = attribute(profile);
    expect(a.samples).toBe(6);
    expect(a.idleSamples).toBe(2);
    expect(a.byLayer).toEqual({
      'BLS/Ed25519': 2,
      'libp2p gossipsub': 1,
      // stream helper under node internals: no caller has a layer, so its own group
      'stream utilities (it-*, uint8arraylist, protons)': 1,
      GC: 1,
      'node: ingest, validation, agreement, sync': 1,
    });
  });

  it('keeps only samples inside the window', () => {
    // sample times: 1100, 1200, ..., 1800
    const a = attribute(profile, 1150, 1350);
    expect(a.samples).toBe(2);
    expect(a.byLayer).toEqual({ 'BLS/Ed25519': 1, 'libp2p gossipsub': 1 });
  });

  it('charges the hook journal to the hooks and other store modules to the store', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        {
          id: 2,
          callFrame: frame('list', 'file:///repo/packages/node/dist/store/hook-journal.js'),
          children: [],
        },
        {
          id: 3,
          callFrame: frame('last', 'file:///repo/packages/node/dist/store/commitments.js'),
          children: [],
        },
      ],
      startTime: 0,
      endTime: 300,
      samples: [2, 2, 3],
      timeDeltas: [100, 100, 100],
    };
    expect(attribute(p).byLayer).toEqual({ 'halt hooks': 2, 'store (SQLite)': 1 });
  });

  it('shortens URLs to the package path', () => {
    expect(shortUrl(`${NM}/@libp2p/gossipsub/dist/src/gossipsub.js`)).toBe(
      '@libp2p/gossipsub/dist/src/gossipsub.js',
    );
    expect(shortUrl('file:///repo/packages/node/dist/ingest.js')).toBe('packages/node/dist/ingest.js');
  });
});
