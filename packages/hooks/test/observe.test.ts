import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, observeHooks, schedulerDigest } from '../src/observe.js';
import { type HookAdapter, HookError, type JsonValue } from '../src/types.js';

// A report as the Slurm and Kubernetes adapters shape theirs; its canonical text and digest were computed
// independently: python3 json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False), sha256.
const REPORT: JsonValue = {
  version: 1,
  hooks: {
    'slurm-training': {
      type: 'slurm',
      report: {
        jobs: [{ id: '31', name: 'pretrain "7b"\n', state: 'SUSPENDED', held: false, gres: { gpu: 8 } }],
        limit: null,
        partitions: [{ name: 'train', state: 'INACTIVE' }],
      },
    },
    k8s: {
      type: 'kubernetes',
      report: { jobs: [{ namespace: 'training', name: 'é-run', suspend: true, active: 0 }] },
    },
  },
};
const REPORT_TEXT =
  '{"hooks":{"k8s":{"report":{"jobs":[{"active":0,"name":"é-run","namespace":"training","suspend":true}]},"type":"kubernetes"},' +
  '"slurm-training":{"report":{"jobs":[{"gres":{"gpu":8},"held":false,"id":"31","name":"pretrain \\"7b\\"\\n","state":"SUSPENDED"}],' +
  '"limit":null,"partitions":[{"name":"train","state":"INACTIVE"}]},"type":"slurm"}},"version":1}';
const REPORT_DIGEST = '513f2df8f5090e25931547d2ae974730cad453c9059ccd3137468306d7c33aec';

describe('canonical JSON and the scheduler digest', () => {
  it('sorts keys, drops whitespace, escapes like JSON: the recorded vector', () => {
    expect(canonicalJson(REPORT)).toBe(REPORT_TEXT);
    expect(schedulerDigest(REPORT)).toBe(REPORT_DIGEST);
  });

  it('does not depend on key insertion order; any change to a value changes the digest', () => {
    const shuffled: JsonValue = { hooks: (REPORT as { hooks: JsonValue }).hooks, version: 1 };
    expect(schedulerDigest(shuffled)).toBe(REPORT_DIGEST);
    const changed = structuredClone(REPORT) as {
      hooks: { k8s: { report: { jobs: { suspend: boolean }[] } } };
    };
    (changed.hooks.k8s.report.jobs[0] as { suspend: boolean }).suspend = false;
    expect(schedulerDigest(changed as unknown as JsonValue)).not.toBe(REPORT_DIGEST);
  });

  it('orders keys by UTF-16 code units (as RFC 8785): an astral key sorts before U+FF5E', () => {
    expect(canonicalJson({ '\uff5e': 1, '\u{1f600}': 2, b: 3, a: [true, null, -7, 'x'] })).toBe(
      '{"a":[true,null,-7,"x"],"b":3,"\u{1f600}":2,"\uff5e":1}',
    );
    expect(canonicalJson('\u0001\u001f\u2028/')).toBe('"\\u0001\\u001f\u2028/"');
  });

  it('refuses what has no single canonical form, naming where it is', () => {
    const bad: [unknown, RegExp][] = [
      [{ a: { b: 1.5 } }, /^\/a\/b: got the number 1\.5; expected a safe integer/],
      [[0, -0], /^\/1: got the number 0; expected a safe integer/],
      [{ n: 2 ** 53 }, /^\/n: got the number 9007199254740992/],
      [{ n: Number.NaN }, /NaN/],
      [{ big: 1n }, /^\/big: got a bigint/],
      [{ u: undefined }, /^\/u: got a undefined/],
      [[new Date(0)], /^\/0: got a Date object/],
      [{ s: 'a\ud800' }, /lone UTF-16 surrogate/],
    ];
    for (const [v, re] of bad) {
      const e = (() => {
        try {
          canonicalJson(v);
          return null;
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(re.source)).toBeInstanceOf(CanonicalJsonError);
      expect((e as Error).message).toMatch(re);
    }
    let deep: unknown = 0;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nested deeper than 64/);
  });
});

describe('observeHooks (test adapters standing in for schedulers)', () => {
  const adapter = (name: string, observe?: HookAdapter['observe']): HookAdapter => ({
    type: 'test',
    name,
    async apply() {},
    ...(observe === undefined ? {} : { observe }),
  });

  it('combines the reports of hooks that can observe; a failing one is reported with its code, not fatal', async () => {
    const obs = await observeHooks([
      adapter('a', async () => ({ jobs: [{ id: '1', state: 'SUSPENDED' }] })),
      adapter('no-observe'),
      adapter('b', async () => {
        throw new HookError('PERMISSION', 'b: forbidden to list jobs');
      }),
      adapter('c', async () => ({ ratio: 0.5 }) as JsonValue),
    ]);
    expect(obs.complete).toBe(false);
    expect(obs.report).toEqual({
      version: 1,
      hooks: {
        a: { type: 'test', report: { jobs: [{ id: '1', state: 'SUSPENDED' }] } },
        b: { type: 'test', error: { code: 'PERMISSION', message: 'b: forbidden to list jobs' } },
        c: {
          type: 'test',
          error: {
            code: 'NOT_CANONICAL_JSON',
            message: expect.stringMatching(/^\/ratio: got the number 0\.5/),
          },
        },
      },
    });
    expect(obs.digest).toBe(schedulerDigest(obs.report));
  });

  it('is bounded by timeoutMs: a scheduler that never answers is reported as cancelled', async () => {
    const obs = await observeHooks(
      [
        adapter(
          'slow',
          (opts) =>
            new Promise((_, reject) =>
              opts?.signal?.addEventListener('abort', () =>
                reject(new HookError('ABORTED', 'slow: cancelled')),
              ),
            ),
        ),
        adapter('fast', async () => 'ok'),
      ],
      { timeoutMs: 50 },
    );
    expect(obs.report.hooks['slow']).toEqual({
      type: 'test',
      error: { code: 'ABORTED', message: 'slow: cancelled' },
    });
    expect(obs.report.hooks['fast']).toEqual({ type: 'test', report: 'ok' });
    expect(obs.complete).toBe(false);
  });
});
