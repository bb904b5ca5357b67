/**
 * Graded levels (RUNNING < REDUCED < PAUSED) for the exec, webhook and file hooks: the shared levels suite, and
 * what each passes to its receiver at REDUCED (docs/hooks.md "Levels").
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecHook } from '../src/adapters/exec.js';
import { FileHook } from '../src/adapters/file.js';
import {
  SIGNATURE_HEADER,
  verifyWebhookSignature,
  type WebhookBody,
  WebhookHook,
} from '../src/adapters/webhook.js';
import { levelContext, runLevelCompliance } from '../src/compliance-levels.js';
import { execHookConfigSchema, fileHookConfigSchema, webhookHookConfigSchema } from '../src/config.js';
import { HookRunner } from '../src/runner.js';
import { JsonFileHookStore, MemoryHookStateStore } from '../src/store/json-file.js';
import { actionForTarget, type HookAdapter, targetForAction } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

// Written for two levels: records the action it was sent.
const TWO_LEVEL_SCRIPT = `#!/bin/sh
set -e
if [ -e "$DIR/broken" ]; then echo "simulated failure: $DIR/broken exists" >&2; exit 3; fi
case "$PAUSENET_ACTION" in
  halt) echo halt > "$DIR/marker" ;;
  resume) rm -f "$DIR/marker" ;;
  *) echo "unknown action $PAUSENET_ACTION" >&2; exit 2 ;;
esac
`;

// Implements the levels as two layers (docs/hooks.md): REDUCED = the "cap" file, PAUSED = "cap" + "stop".
const THREE_LEVEL_SCRIPT = `#!/bin/sh
set -e
if [ -e "$DIR/broken" ]; then echo "simulated failure: $DIR/broken exists" >&2; exit 3; fi
case "$PAUSENET_ACTION" in
  halt) echo "$PAUSENET_LIMITS" > "$DIR/cap"; touch "$DIR/stop" ;;
  reduce) echo "$PAUSENET_LIMITS" > "$DIR/cap"; rm -f "$DIR/stop" ;;
  resume) rm -f "$DIR/stop" "$DIR/cap" ;;
  *) echo "unknown action $PAUSENET_ACTION" >&2; exit 2 ;;
esac
`;

async function execHook(dir: string, script: string, extra: Record<string, unknown> = {}): Promise<ExecHook> {
  await writeFile(join(dir, 'hook.sh'), script, { mode: 0o755 });
  return new ExecHook(
    execHookConfigSchema.parse({
      type: 'exec',
      name: 'exec-levels',
      command: join(dir, 'hook.sh'),
      env: { DIR: dir },
      ...extra,
    }),
  );
}

const files = async (dir: string) => (await readdir(dir)).filter((f) => f !== 'hook.sh').sort();

runLevelCompliance(
  'exec written for two levels (onReduce: halt, real child process)',
  async () => {
    const { dir, remove } = await tempDir();
    return {
      createAdapter: () => execHook(dir, TWO_LEVEL_SCRIPT),
      observe: async () => readFile(join(dir, 'marker'), 'utf8').catch(() => null),
      breakIt: () => writeFile(join(dir, 'broken'), ''),
      repair: () => rm(join(dir, 'broken'), { force: true }),
      cleanup: remove,
    };
  },
  { reduce: 'as-halt', failureCodes: ['EXIT_CODE'] },
);

runLevelCompliance(
  'exec implementing three levels (onReduce: reduce, real child process)',
  async () => {
    const { dir, remove } = await tempDir();
    return {
      createAdapter: () => execHook(dir, THREE_LEVEL_SCRIPT, { onReduce: 'reduce' }),
      observe: async () => files(dir),
      breakIt: () => writeFile(join(dir, 'broken'), ''),
      repair: () => rm(join(dir, 'broken'), { force: true }),
      cleanup: remove,
    };
  },
  { reduce: 'own', failureCodes: ['EXIT_CODE'] },
);

/** The level a sentinel's content (a certificate JSON) names, or null when there is no sentinel. */
const sentinelLevel = async (path: string) =>
  readFile(path, 'utf8').then(
    (t) => (JSON.parse(t) as { target: string }).target,
    () => null,
  );

for (const reduced of [true, false]) {
  runLevelCompliance(
    `file ${reduced ? 'with reducedPath' : 'without reducedPath'} (real file system)`,
    async () => {
      const { dir, remove } = await tempDir();
      const run = join(dir, 'run');
      await mkdir(run);
      const cfg = {
        type: 'file',
        name: 'sentinel',
        path: join(run, 'PAUSED'),
        ...(reduced ? { reducedPath: join(run, 'REDUCED') } : {}),
      };
      return {
        createAdapter: () => new FileHook(fileHookConfigSchema.parse(cfg)),
        // Which sentinels exist (no temp files left behind) and, with reducedPath, the level each names.
        observe: async () => ({
          files: await readdir(run).then((f) => f.sort()),
          ...(reduced
            ? {
                paused: await sentinelLevel(join(run, 'PAUSED')),
                reduced: await sentinelLevel(join(run, 'REDUCED')),
              }
            : {}),
        }),
        breakIt: async () => {
          await rm(run, { recursive: true });
          await writeFile(run, 'not a directory');
        },
        repair: async () => {
          await rm(run, { force: true });
          await mkdir(run);
        },
        cleanup: remove,
      };
    },
    // Without reducedPath, REDUCED writes the PAUSED sentinel (its certificate names the level REDUCED).
    { reduce: reduced ? 'own' : 'as-halt', failureCodes: ['IO'] },
  );
}

describe('what exec, webhook and file hooks are given at each level', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(() => remove());

  it('actions follow the level alone: PAUSED -> halt, REDUCED -> reduce, RUNNING -> resume', () => {
    expect(actionForTarget('PAUSED')).toBe('halt');
    expect(actionForTarget('REDUCED')).toBe('reduce');
    expect(actionForTarget('RUNNING')).toBe('resume');
    for (const a of ['halt', 'reduce', 'resume'] as const)
      expect(actionForTarget(targetForAction(a))).toBe(a);
  });

  it('exec: PAUSENET_LEVEL, PAUSENET_STATE and PAUSENET_LIMITS carry the level and its limits; onReduce picks the action', async () => {
    const dump = `#!/bin/sh\nenv | grep -E '^PAUSENET_(ACTION|LEVEL|STATE|LIMITS)=' | sort > "$DIR/env.$PAUSENET_HEIGHT"\n`;
    const ctx = levelContext('REDUCED', 7, new MemoryHookStateStore());
    await (await execHook(dir, dump)).apply('reduce', ctx);
    expect((await readFile(join(dir, 'env.7'), 'utf8')).trim().split('\n')).toEqual([
      'PAUSENET_ACTION=halt', // written for two levels: REDUCED is held like PAUSED
      'PAUSENET_LEVEL=REDUCED',
      'PAUSENET_LIMITS={"trainingFlop":"1000000000000000000000","acceleratorFraction":2500}',
      'PAUSENET_STATE=REDUCED',
    ]);
    const ctx8 = levelContext('REDUCED', 8, new MemoryHookStateStore());
    await (await execHook(dir, dump, { onReduce: 'reduce' })).apply('reduce', ctx8);
    expect(await readFile(join(dir, 'env.8'), 'utf8')).toContain('PAUSENET_ACTION=reduce\n');
    const ctx9 = levelContext('RUNNING', 9, new MemoryHookStateStore());
    await (await execHook(dir, dump)).apply('resume', ctx9);
    expect(await readFile(join(dir, 'env.9'), 'utf8')).toContain('PAUSENET_LIMITS={}\n');
  });

  it('webhook: the signed body carries level and limits; onReduce picks the action and the delivery key', async () => {
    const got: { body: WebhookBody; delivery: string; ok: boolean }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        const ok = verifyWebhookSignature(
          'a-very-secret-shared-key',
          body,
          req.headers[SIGNATURE_HEADER] as string,
        );
        got.push({
          body: JSON.parse(body) as WebhookBody,
          delivery: String(req.headers['x-pausenet-delivery']),
          ok,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const mk = (extra: Record<string, unknown>) =>
        new WebhookHook(
          webhookHookConfigSchema.parse({
            type: 'webhook',
            name: 'wh',
            url,
            secret: 'a-very-secret-shared-key',
            ...extra,
          }),
        );
      const ctx = levelContext('REDUCED', 3, new MemoryHookStateStore());
      await mk({}).apply('reduce', ctx);
      await mk({ onReduce: 'reduce' }).apply('reduce', ctx);
      expect(got.map((g) => g.ok)).toEqual([true, true]);
      expect(got.map((g) => [g.body.action, g.body.target, g.body.level, g.delivery])).toEqual([
        ['halt', 'REDUCED', 'REDUCED', `${ctx.certificateHash}:halt`],
        ['reduce', 'REDUCED', 'REDUCED', `${ctx.certificateHash}:reduce`],
      ]);
      expect(got[1]?.body.limits).toEqual({
        trainingFlop: '1000000000000000000000',
        acceleratorFraction: 2500,
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('file with reducedPath: REDUCED writes only the REDUCED sentinel; PAUSED adds the PAUSED one; an operator file is restored', async () => {
    const paused = join(dir, 'PAUSED');
    const reduced = join(dir, 'REDUCED');
    await writeFile(reduced, 'operator note\n'); // was there before: restored by resume
    const hook = new FileHook(
      fileHookConfigSchema.parse({ type: 'file', name: 's', path: paused, reducedPath: reduced }),
    );
    const state = new MemoryHookStateStore();
    await hook.apply('reduce', levelContext('REDUCED', 1, state));
    expect(await sentinelLevel(reduced)).toBe('REDUCED');
    expect(await sentinelLevel(paused)).toBeNull();
    await hook.apply('halt', levelContext('PAUSED', 2, state));
    expect([await sentinelLevel(reduced), await sentinelLevel(paused)]).toEqual(['PAUSED', 'PAUSED']);
    await hook.apply('reduce', levelContext('REDUCED', 3, state));
    expect([await sentinelLevel(reduced), await sentinelLevel(paused)]).toEqual(['REDUCED', null]);
    await hook.apply('resume', levelContext('RUNNING', 4, state));
    expect(await readFile(reduced, 'utf8')).toBe('operator note\n');
    expect(await sentinelLevel(paused)).toBeNull();
  });

  it('the runner passes the level and its limits to every hook and journals the reduce action', async () => {
    const seen: unknown[] = [];
    const probe: HookAdapter = {
      type: 'test',
      name: 'probe',
      async apply(action, ctx) {
        seen.push({ action, target: ctx.target, limits: ctx.limits });
      },
    };
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const runner = new HookRunner({
      hooks: [probe],
      journal: store.journal,
      stateFor: (n) => store.stateFor(n),
    });
    const { state: _s, ...cert } = levelContext('REDUCED', 5, new MemoryHookStateStore());
    const [r] = await runner.runFor(cert);
    await runner.stop();
    expect(r).toMatchObject({ action: 'reduce', status: 'ok' });
    expect(seen).toEqual([{ action: 'reduce', target: 'REDUCED', limits: cert.limits }]);
    expect((await store.journal.get(cert.certificateHash, 'probe'))?.action).toBe('reduce');
  });
});
