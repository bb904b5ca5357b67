import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createHook } from '@pausenet/hooks';
import { describe, expect, it } from 'vitest';
import { createHookRunner } from '../../src/agreement/hook-runner.js';
import { LOG_EVENTS } from '../../src/log-events.js';
import { createLogger, hookLoggerOf, LogThrottle } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { badJsonLines, duplicateKeys, linesOf } from '../helpers/json-lines.js';

/** A logger destination that keeps the raw text written to it. */
function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('duplicateKeys (raw JSON text)', () => {
  it('finds keys written twice, at any depth; accepts clean JSON', () => {
    expect(duplicateKeys('{"lab":"lab-a","x":1,"lab":"lab-b"}')).toEqual(['lab']);
    expect(duplicateKeys('{"a":{"b":1,"b":[{"c":1,"c":2}]},"d":"{\\"e\\":1,\\"e\\":2}"}')).toEqual([
      'a.b',
      'a.b.0.c',
    ]);
    expect(duplicateKeys('{"a":[1,2,{"b":null}],"c":"x\\"y","d":-1.5e3,"e":{}}')).toEqual([]);
    expect(() => duplicateKeys('{"a":1')).toThrow(/not JSON/);
    expect(badJsonLines('{"a":1}\npausenet: SIGTERM received\n{"a":1,"a":1}\n')).toHaveLength(2);
  });
});

describe('node logger (JSON lines)', () => {
  it('writes each key once per line: own lab under `self`, the subject under `lab`, `event` on every line', () => {
    const out = capture();
    // The chain the node builds: role at the entry point, self and peer id once the host exists, then a
    // component per part (the agreement sets its own again).
    const root = createLogger('debug', { role: 'member' }, out.stream);
    const node = root.child({ self: 'lab-a', peerId: '12D3KooWtest' });
    const agreement = node.child({ component: 'agreement' }).child({ component: 'agreement' });
    agreement.warn(
      { event: 'breach.detected', kind: 'cap-exceeded', lab: 'lab-b', epoch: 3, breach: 'ab' },
      'breach detected: publishing evidence',
    );
    node
      .child({ component: 'ingest' })
      .debug({ event: 'message.accepted', kind: 'vote' }, 'message accepted');
    root.info({ event: 'node.stopped' }, 'pausenet stopped');

    const text = out.text();
    expect(badJsonLines(text), text).toEqual([]);
    const [breach, accepted, stopped] = linesOf(text).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(breach).toMatchObject({
      level: 40,
      event: 'breach.detected',
      role: 'member',
      self: 'lab-a',
      component: 'agreement',
      lab: 'lab-b',
      msg: 'breach detected: publishing evidence',
    });
    expect(Object.keys(breach ?? {}).slice(0, 3)).toEqual(['level', 'time', 'event']);
    expect(accepted).toMatchObject({ level: 20, event: 'message.accepted', component: 'ingest' });
    expect(stopped).toMatchObject({ level: 30, event: 'node.stopped', role: 'member' });
    expect(stopped).not.toHaveProperty('self');
  });

  it('a failing halt hook logs at error with event hook.failed (every attempt, not only the last)', async () => {
    const out = capture();
    const logger = hookLoggerOf(
      createLogger('info', { role: 'member' }, out.stream).child({ self: 'lab-a', component: 'hooks' }),
    );
    // A real exec hook whose command fails (exit 3); two attempts, 1 ms apart.
    const hook = createHook(
      { type: 'exec', name: 'halt-cluster', command: process.execPath, args: ['-e', 'process.exit(3)'] },
      { logger },
    );
    const runner = createHookRunner({
      store: new MemoryStore(),
      hooks: [hook],
      logger,
      retry: { baseMs: 1, maxMs: 1, maxAttempts: 2 },
    });
    const cert = (target: 'PAUSED' | 'RUNNING', height: number) => ({
      networkId: '00'.repeat(32),
      height,
      target,
      certificateHash: String(height).repeat(64).slice(0, 64),
      certificateJson: '{}',
    });
    const [halt] = await runner.runFor(cert('PAUSED', 1));
    expect(halt?.status).toBe('failed');
    const [resume] = await runner.runFor(cert('RUNNING', 2));
    expect(resume?.status).toBe('failed');

    const text = out.text();
    expect(badJsonLines(text), text).toEqual([]);
    const failed = linesOf(text)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'hook.failed');
    expect(failed.map((l) => [l.action, l.attempts, l.level, l.retryInMs === null])).toEqual([
      ['halt', 1, 50, false],
      ['halt', 2, 50, true],
      // a resume that will be retried is a warning; giving up is an error
      ['resume', 1, 40, false],
      ['resume', 2, 50, true],
    ]);
    expect(failed[0]).toMatchObject({ hook: 'halt-cluster', self: 'lab-a', component: 'hooks', height: 1 });
  });

  it('docs/node.md lists every event name, and only those', () => {
    const doc = readFileSync(new URL('../../../../docs/node.md', import.meta.url), 'utf8');
    const logs = doc.slice(doc.indexOf('### Logs'), doc.indexOf('\n### ', doc.indexOf('### Logs') + 1));
    const documented = [...logs.matchAll(/^\| `([a-z_]+\.[a-z_]+)`/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...LOG_EVENTS].sort());
  });
});

describe('LogThrottle (repeated log lines)', () => {
  it('writes the first line per key per window and reports how many it held back', () => {
    let now = 0;
    const t = new LogThrottle(10_000, () => now);
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBe(0);
    for (let i = 0; i < 1000; i++) expect(t.admit('evidence|E_SIGNATURE|sync')).toBeNull();
    expect(t.admit('vote|V_PARTIAL|gossip')).toBe(0);
    now += 10_000;
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBe(1000);
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBeNull();
  });

  it('holds a bounded number of keys', () => {
    let now = 0;
    const t = new LogThrottle(10_000, () => now, 4);
    for (let i = 0; i < 4; i++) expect(t.admit(`k${i}`)).toBe(0);
    expect(t.admit('k4')).toBeNull();
    now += 10_000;
    expect(t.admit('k4')).toBe(0);
  });
});
