/**
 * The kubernetes hook at the REDUCED level, against the local stand-in for the API server (no real Kubernetes API
 * server can run here): Jobs above the cap are suspended, the halt layer sits on top, and observe() reports the
 * selection (docs/hooks.md "Levels", "Scheduler observation").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { levelContext, runLevelCompliance } from '../src/compliance-levels.js';
import { kubernetesHookConfigSchema } from '../src/config.js';
import { KUBE_REDUCE_UNDO_KEY, KubernetesHook } from '../src/kubernetes/adapter.js';
import { demandOf } from '../src/kubernetes/reduce.js';
import { MemoryHookStateStore } from '../src/store/json-file.js';
import { actionForTarget, HookError, type PauseTarget } from '../src/types.js';
import { MockKubeApi } from './helpers/mock-kube-api.js';

const PAUSE = { 'pausenet.io/pause': 'true' };
const gpus = (n: number | string, where: 'requests' | 'limits' = 'requests') => ({
  template: { spec: { containers: [{ name: 'main', resources: { [where]: { 'nvidia.com/gpu': n } } }] } },
});

/** Created in this order (one second apart): the cap of 10 GPUs keeps pre-a (8) and pre-c (2), not pre-b (4). */
function populate(api: MockKubeApi): void {
  api.add('jobs', 'training', 'pre-a', PAUSE, { suspend: false, parallelism: 2, ...gpus('4') });
  api.add('jobs', 'training', 'pre-b', PAUSE, { suspend: false, ...gpus(4, 'limits') });
  api.add('jobs', 'training', 'pre-c', PAUSE, { suspend: false, ...gpus('2') });
  api.add('jobs', 'training', 'theirs', PAUSE, { suspend: true, ...gpus('8') }); // suspended by someone else
  const done = api.add('jobs', 'training', 'done', PAUSE, { suspend: false, ...gpus('8') });
  done.status = { conditions: [{ type: 'Complete', status: 'True' }] };
  api.add('jobs', 'training', 'infer', { app: 'inference' }, { suspend: false, ...gpus('8') });
  api.add('deployments', 'training', 'trainer', PAUSE, { replicas: 3 });
}

function config(api: MockKubeApi, extra: Record<string, unknown> = {}) {
  return kubernetesHookConfigSchema.parse({
    type: 'kubernetes',
    name: 'k8s-levels',
    server: api.url,
    token: api.token,
    namespaces: ['training'],
    selector: 'pausenet.io/pause=true',
    reduce: { resource: 'nvidia.com/gpu', cap: 10 },
    ...extra,
  });
}

runLevelCompliance(
  'kubernetes with reduce (API stand-in, no real API server)',
  async () => {
    const api = new MockKubeApi();
    await api.start();
    populate(api);
    return {
      createAdapter: () => new KubernetesHook(config(api)),
      observe: async () => api.snapshot(),
      breakIt: async () => {
        api.forbidden.add('patch:jobs.batch');
      },
      repair: async () => {
        api.forbidden.delete('patch:jobs.batch');
      },
      cleanup: () => api.stop(),
    };
  },
  { reduce: 'own', failureCodes: ['PERMISSION'] },
);

runLevelCompliance(
  'kubernetes without reduce (API stand-in, no real API server)',
  async () => {
    const api = new MockKubeApi();
    await api.start();
    populate(api);
    return {
      createAdapter: () => new KubernetesHook(config(api, { reduce: undefined })),
      observe: async () => api.snapshot(),
      breakIt: async () => {
        api.forbidden.add('patch:jobs.batch');
      },
      repair: async () => {
        api.forbidden.delete('patch:jobs.batch');
      },
      cleanup: () => api.stop(),
    };
  },
  { reduce: 'as-halt', failureCodes: ['PERMISSION'] },
);

describe('kubernetes hook levels (API stand-in, no real API server)', () => {
  let api: MockKubeApi;
  let state: MemoryHookStateStore;
  let height: number;
  beforeEach(async () => {
    api = new MockKubeApi();
    await api.start();
    populate(api);
    state = new MemoryHookStateStore();
    height = 0;
  });
  afterEach(() => api.stop());

  const go = (h: KubernetesHook, target: PauseTarget) =>
    h.apply(actionForTarget(target), levelContext(target, ++height, state));
  const suspended = () =>
    ['pre-a', 'pre-b', 'pre-c', 'theirs', 'done', 'infer'].filter(
      (n) => api.obj('jobs', 'training', n)?.spec.suspend === true,
    );

  it('reduce keeps the oldest Jobs within the cap and suspends the rest; nothing else changes; resume restores', async () => {
    const h = new KubernetesHook(config(api));
    await go(h, 'REDUCED');
    expect(suspended()).toEqual(['pre-b', 'theirs']);
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(3);
    expect(Object.keys((await state.get(KUBE_REDUCE_UNDO_KEY)) as object)).toEqual([
      'jobs.batch:training/pre-b',
    ]);
    expect(await state.get('k8s:undo')).toBeUndefined(); // the halt layer changed nothing
    await go(h, 'RUNNING');
    expect(suspended()).toEqual(['theirs']);
    expect(await state.get(KUBE_REDUCE_UNDO_KEY)).toEqual({});
  });

  it('PAUSED -> REDUCED hands the Jobs above the cap to the reduce layer without letting them run in between', async () => {
    const h = new KubernetesHook(config(api, { reduce: undefined })); // halted by a hook that had no reduce yet
    await go(h, 'PAUSED');
    expect(suspended()).toEqual(['pre-a', 'pre-b', 'pre-c', 'theirs']);
    const before = api.requests.length;
    const withReduce = new KubernetesHook(config(api));
    await go(withReduce, 'REDUCED');
    const patches = api.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path.split('/').pop())).toEqual(['pre-a', 'pre-c']); // pre-b never unsuspended
    expect(suspended()).toEqual(['pre-b', 'theirs']);
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(3);
    expect(Object.keys((await state.get('k8s:undo')) as object)).toEqual([]);
    expect(Object.keys((await state.get(KUBE_REDUCE_UNDO_KEY)) as object)).toEqual([
      'jobs.batch:training/pre-b',
    ]);
    await go(withReduce, 'RUNNING');
    expect(suspended()).toEqual(['theirs']);
  });

  it('re-applied REDUCED: a Job resumed by hand is suspended again, a new Job over the cap is suspended', async () => {
    const h = new KubernetesHook(config(api));
    await go(h, 'REDUCED');
    const b = api.obj('jobs', 'training', 'pre-b');
    if (b) b.spec.suspend = false; // by hand
    api.add('jobs', 'training', 'late', PAUSE, { suspend: false, ...gpus('1') });
    await go(new KubernetesHook(config(api)), 'REDUCED'); // node restart: re-applies its level
    expect(suspended()).toEqual(['pre-b', 'theirs']);
    expect(api.obj('jobs', 'training', 'late')?.spec.suspend).toBe(true);
    await go(h, 'RUNNING');
    expect(suspended()).toEqual(['theirs']);
    expect(api.obj('jobs', 'training', 'late')?.spec.suspend).toBe(false);
  });

  it('fails closed: if the cap cannot be applied, stepping down from PAUSED leaves the halt in place', async () => {
    const h = new KubernetesHook(config(api));
    await go(h, 'PAUSED');
    const paused = api.snapshot();
    api.forbidden.add('list:jobs.batch');
    const err = await go(h, 'REDUCED').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookError);
    expect((err as HookError).code).toBe('PERMISSION');
    expect(api.snapshot()).toEqual(paused);
    api.forbidden.delete('list:jobs.batch');
    await go(h, 'REDUCED');
    expect(suspended()).toEqual(['pre-b', 'theirs']);
  });

  it('observe reports the selected Jobs (suspend, active, finished), workloads and the demand under the cap', async () => {
    const a = api.obj('jobs', 'training', 'pre-a');
    if (a) a.status = { active: 2 };
    const h = new KubernetesHook(config(api));
    await go(h, 'REDUCED');
    expect(await h.observe()).toEqual({
      jobs: [
        { namespace: 'training', name: 'done', suspend: false, active: 0, finished: true },
        { namespace: 'training', name: 'pre-a', suspend: false, active: 2, finished: false },
        { namespace: 'training', name: 'pre-b', suspend: true, active: 0, finished: false },
        { namespace: 'training', name: 'pre-c', suspend: false, active: 0, finished: false },
        { namespace: 'training', name: 'theirs', suspend: true, active: 0, finished: false },
      ],
      workloads: [{ resource: 'deployments.apps', namespace: 'training', name: 'trainer', replicas: 3 }],
      customResources: [],
      reduce: { resource: 'nvidia.com/gpu', cap: 10, used: 10 },
    });
    api.forbidden.add('list:jobs.batch');
    await expect(h.observe()).rejects.toMatchObject({ code: 'PERMISSION' });
  });

  it('demand: parallelism x per-pod requests (else limits); "pods" counts parallelism; fractions are refused', () => {
    const job = (spec: Record<string, unknown>) => ({ metadata: { name: 'j', namespace: 'n' }, spec });
    expect(demandOf(job({ parallelism: 3, ...gpus('2') }), 'nvidia.com/gpu')).toBe(6);
    expect(demandOf(job({ ...gpus(4, 'limits') }), 'nvidia.com/gpu')).toBe(4);
    expect(demandOf(job({ parallelism: 5 }), 'pods')).toBe(5);
    expect(demandOf(job({}), 'nvidia.com/gpu')).toBe(0);
    expect(() => demandOf(job({ ...gpus('500m') }), 'nvidia.com/gpu')).toThrow(/not a whole number/);
  });
});
