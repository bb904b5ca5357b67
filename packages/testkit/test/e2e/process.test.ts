import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStartedLine, spawnNode } from '../../src/cluster/index.js';
import { writeConfigFile, writeTestNetwork } from '../../src/files.js';

describe('a node as its own process (the kit launcher; test-dealer keys)', () => {
  it('parses the start line: peer, API URL, listen addresses', () => {
    expect(
      parseStartedLine(
        'pausenet member started: peer 12D3Koo, api http://127.0.0.1:5/, listening /ip4/a /ip4/b',
      ),
    ).toEqual({ peerId: '12D3Koo', apiUrl: 'http://127.0.0.1:5/', multiaddrs: ['/ip4/a', '/ip4/b'] });
    expect(() => parseStartedLine('pausenet stopped')).toThrow(/not a node start line/);
  });

  it('spawnNode starts a member from its config file, ready to answer; SIGTERM stops it cleanly', async () => {
    const files = await writeTestNetwork({ labs: 1, threshold: 1, ports: true });
    try {
      const configFile = join(files.members[0]!.dataDir, 'config.yaml');
      writeConfigFile(configFile, files.memberConfig(0, { api: { host: '127.0.0.1', port: 0 } }));
      const { child, apiUrl, peerId, multiaddrs } = await spawnNode(configFile, { env: files.env });
      try {
        expect(peerId).toBe(files.members[0]!.peerId);
        expect(multiaddrs.some((a) => a.includes(`/tcp/${files.members[0]!.port}`))).toBe(true);
        const status = (await (await fetch(new URL('/v1/status', apiUrl))).json()) as { self: string };
        expect(status.self).toBe('lab-a');
      } finally {
        await child.stop();
      }
      expect((await child.exited).code).toBe(0);
    } finally {
      files.cleanup();
    }
  });
});
