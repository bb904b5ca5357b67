import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

describe('pausenet devnet', () => {
  it('cap-breach --json: pause at 1, resume at 2, all nodes agree, each lab hook ran once per height', async () => {
    const r = await run(['devnet', '--scenario', 'cap-breach', '--json', '--step-timeout', '90000'], {
      timeoutMs: 230_000,
    });
    const lines = r.stdout.trim().split('\n');
    const last = lines[lines.length - 1]!;
    expect(r.code, `${r.stderr}\n${last}`).toBe(0);
    const j = JSON.parse(last);
    expect(j).toMatchObject({
      scenario: 'cap-breach',
      labs: 4,
      observers: 1,
      threshold: 3,
      finalState: 'RUNNING',
      height: 2,
    });
    expect(j.networkId).toMatch(/^[0-9a-f]{64}$/);
    expect(j.groupPublicKey).toMatch(/^[0-9a-f]{96}$/);
    expect(j.certificates.map((c: { height: number; target: string }) => [c.height, c.target])).toEqual([
      [1, 'PAUSED'],
      [2, 'RUNNING'],
    ]);
    for (const c of j.certificates) {
      expect(c.statement).toMatch(/^[0-9a-f]+$/);
      expect(c.signature).toMatch(/^[0-9a-f]{192}$/);
      expect(c.signers.length).toBeGreaterThanOrEqual(3);
    }
    expect(j.nodes).toHaveLength(5);
    for (const n of j.nodes) {
      expect([n.state, n.height]).toEqual(['RUNNING', 2]);
      expect(n.certificates).toBe(2);
      expect(n.commitments).toBe(4);
      if (n.role === 'member')
        expect(n.hooks).toEqual([
          { height: 1, action: 'halt', level: 'PAUSED', runs: 1, ok: true },
          { height: 2, action: 'resume', level: 'RUNNING', runs: 1, ok: true },
        ]);
      else expect(n.hooks).toEqual([]);
    }
    for (const k of ['dkgMs', 'breachToCertificateMs', 'breachToAllHaltedMs', 'resumeToAllResumedMs'])
      expect(j.timings[k]).toBeGreaterThan(0);
    // every lab's signed receipt for each certificate, checked again by the devnet with validateReceipt
    expect(j.receipts).toEqual(
      [
        [1, 'PAUSED'],
        [2, 'RUNNING'],
      ].flatMap(([height, target]) =>
        ['lab-a', 'lab-b', 'lab-c', 'lab-d'].map((lab) => ({ lab, height, target, ok: true })),
      ),
    );
    // the temp dir is gone
    expect(r.stderr).toMatch(/data dir (\S+) \(removed on exit\)/);
    const dir = /data dir (\S+) \(removed on exit\)/.exec(r.stderr)![1]!;
    const { existsSync } = await import('node:fs');
    expect(existsSync(dir)).toBe(false);
  }, 240_000);

  it('reduce --json: the breach maps to REDUCED, every lab hook runs reduce, the resume restores RUNNING', async () => {
    const r = await run(['devnet', '--scenario', 'reduce', '--json', '--step-timeout', '90000'], {
      timeoutMs: 230_000,
    });
    const lines = r.stdout.trim().split('\n');
    const last = lines[lines.length - 1]!;
    expect(r.code, `${r.stderr}\n${last}`).toBe(0);
    const j = JSON.parse(last);
    expect(j).toMatchObject({ ok: true, problems: [], scenario: 'reduce', finalState: 'RUNNING', height: 2 });
    expect(r.stderr).toContain('policy levels: largestRunFlop -> REDUCED');
    expect(
      j.certificates.map((c: { height: number; target: string; step: string }) => [
        c.height,
        c.target,
        c.step,
      ]),
    ).toEqual([
      [1, 'REDUCED', 'up'],
      [2, 'RUNNING', 'down'],
    ]);
    for (const n of j.nodes) {
      expect([n.state, n.height, n.certificates]).toEqual(['RUNNING', 2, 2]);
      // the exec hook logs PAUSENET_ACTION and PAUSENET_LEVEL: reduce at REDUCED, resume at RUNNING
      if (n.role === 'member')
        expect(n.hooks).toEqual([
          { height: 1, action: 'reduce', level: 'REDUCED', runs: 1, ok: true },
          { height: 2, action: 'resume', level: 'RUNNING', runs: 1, ok: true },
        ]);
      else expect(n.hooks).toEqual([]);
    }
    expect(j.receipts).toEqual(
      [
        [1, 'REDUCED'],
        [2, 'RUNNING'],
      ].flatMap(([height, target]) =>
        ['lab-a', 'lab-b', 'lab-c', 'lab-d'].map((lab) => ({ lab, height, target, ok: true })),
      ),
    );
  }, 240_000);
});
