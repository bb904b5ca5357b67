import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNodeConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { PeerRateLimiter } from '../../src/gossip/rate-limit.js';

const tmp = new TempDirs();
afterEach(() => {
  tmp.cleanup();
});

function configError(raw: unknown): ConfigError {
  try {
    loadNodeConfig(raw as Record<string, unknown>);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('NodeConfig', () => {
  it('loads YAML, fills defaults and resolves paths relative to the config file', () => {
    const dir = tmp.make('pn-cfg-');
    const file = join(dir, 'node.yaml');
    writeFileSync(
      file,
      'role: member\ndataDir: ./data\ngenesisFile: genesis.yaml\nkeystore:\n  file: data/keystore.json\n  passphraseFile: pass.txt\n',
    );
    const c = loadNodeConfig(file);
    expect(c.dataDir).toBe(join(dir, 'data'));
    expect(c.genesisFile).toBe(join(dir, 'genesis.yaml'));
    expect(c.keystore).toEqual({
      file: join(dir, 'data/keystore.json'),
      passphraseFile: join(dir, 'pass.txt'),
    });
    expect(c.listen).toEqual(['/ip4/127.0.0.1/tcp/0']);
    expect(c.api).toEqual({ host: '127.0.0.1', port: 0, maxSseClients: 64, sseMaxBufferBytes: 1_048_576 });
    expect(c.limits).toEqual({
      perPeerMsgsPerSec: 50,
      maxMessageBytes: 262_144,
      maxPendingInbound: 64,
      maxPendingInboundPerIp: 4,
      inboundUpgradeTimeoutMs: 5_000,
      inboundConnectionsPerIpPerSec: 5,
      maxConnections: 300,
      reqRespPerPeerPerSec: 20,
      maxRememberedPeers: 32,
      outsiderMsgsPerSec: 10,
      outsiderBurst: 8,
      outsiderBlsPerSec: 20,
      outsiderEd25519PerSec: 400,
    });
    expect(c.failSafe).toEqual({ enabled: false, afterMs: 3_600_000 });
    expect(c.logLevel).toBe('info');
  });

  it('errors name the field, the value and the fix', () => {
    const e = configError({ role: 'boss', dataDir: '/d', genesisFile: '/g' });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.field).toBe('role');
    expect(e.message).toContain('"boss"');
    expect(e.message).toMatch(/fix: use "member" .* or "observer"/);
    const p = configError({ role: 'member', dataDir: '/d', genesisFile: '/g', api: { port: 70000 } });
    expect(p.field).toBe('api.port');
    expect(p.message).toContain('70000');
    expect(p.message).toMatch(/use 0 to pick a free port/);
    const m = configError({ role: 'member', dataDir: '/d' });
    expect(m.field).toBe('genesisFile');
    expect(m.message).toContain('missing');
  });

  it('admission limits are validated with the field, the value and the fix named', () => {
    const base = { role: 'observer', dataDir: '/d', genesisFile: '/g' };
    const b = configError({ ...base, limits: { outsiderBurst: 0 } });
    expect(b.field).toBe('limits.outsiderBurst');
    expect(b.message).toContain('has value 0');
    expect(b.message).toMatch(/fix: an integer 1\.\.10000, e\.g\. 8/);
    const r = configError({ ...base, limits: { reqRespPerPeerPerSec: -1 } });
    expect(r.field).toBe('limits.reqRespPerPeerPerSec');
    expect(r.message).toMatch(/e\.g\. 20/);
    const p = configError({ ...base, limits: { maxPendingInbound: 8, maxPendingInboundPerIp: 16 } });
    expect(p.field).toBe('limits.maxPendingInboundPerIp');
    expect(p.message).toMatch(/must not exceed limits.maxPendingInbound \(8\)/);
    const s = configError({ ...base, api: { maxSseClients: 0 } });
    expect(s.field).toBe('api.maxSseClients');
    expect(s.message).toMatch(/e\.g\. 64/);
  });

  it('rejects unknown fields, observers with a keystore and malformed bootstrap addrs', () => {
    expect(configError({ role: 'member', dataDir: '/d', genesisFile: '/g', lsiten: [] }).message).toMatch(
      /lsiten/,
    );
    const o = configError({ role: 'observer', dataDir: '/d', genesisFile: '/g', keystore: { file: '/k' } });
    expect(o.field).toBe('keystore');
    expect(o.message).toMatch(/observer has no signing key/);
    expect(
      configError({ role: 'observer', dataDir: '/d', genesisFile: '/g', bootstrap: ['/ip4/1.2.3.4/tcp/1'] })
        .field,
    ).toBe('bootstrap.0');
  });

  it('an unreadable or non-YAML file gives CONFIG_UNREADABLE with the path', () => {
    expect(() => loadNodeConfig('/nonexistent/pausenet.yaml')).toThrowError(
      /cannot read config file \/nonexistent\/pausenet.yaml/,
    );
  });
});

describe('PeerRateLimiter', () => {
  it('allows a burst, then the sustained rate per peer', () => {
    let t = 0;
    const l = new PeerRateLimiter(10, 20, () => t);
    let ok = 0;
    for (let i = 0; i < 30; i++) if (l.take('p')) ok++;
    expect(ok).toBe(20);
    expect(l.take('q')).toBe(true); // other peers unaffected
    t += 500; // +5 tokens
    ok = 0;
    for (let i = 0; i < 10; i++) if (l.take('p')) ok++;
    expect(ok).toBe(5);
  });
});
