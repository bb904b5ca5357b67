import type { KubernetesReduceConfig } from '../config.js';
import { HookError, type JsonValue } from '../types.js';
import type { Run } from './adapter.js';
import { type KubeObject, type KubeResource, resourceName } from './client.js';

type Guard = (f: () => Promise<void>) => Promise<void>;

/** Whether a Job has finished (Complete or Failed condition). */
export function jobFinished(o: KubeObject): boolean {
  const conds = (o.status?.conditions ?? []) as { type?: string; status?: string }[];
  return conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function quantity(hook: string, job: string, resource: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw new HookError(
    'PROTOCOL',
    `${hook}: Job ${job} asks for ${resource}: ${JSON.stringify(v)}, not a whole number; reduce.resource must be an integer-valued resource (e.g. nvidia.com/gpu) or "pods"`,
    { hook },
  );
}

/**
 * A Job's demand for `resource` while it runs: parallelism (default 1) times the sum over its pod template's
 * containers of the resource's request (else its limit); for "pods", the parallelism.
 */
export function demandOf(o: KubeObject, resource: string, hook = 'kubernetes'): number {
  const spec = (o.spec ?? {}) as {
    parallelism?: unknown;
    template?: {
      spec?: {
        containers?: {
          resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
        }[];
      };
    };
  };
  const parallelism = typeof spec.parallelism === 'number' && spec.parallelism >= 0 ? spec.parallelism : 1;
  if (resource === 'pods') return parallelism;
  const job = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  let perPod = 0;
  for (const c of spec.template?.spec?.containers ?? []) {
    perPod += quantity(
      hook,
      job,
      resource,
      c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource],
    );
  }
  return parallelism * perPod;
}

function created(o: KubeObject): number {
  const t = Date.parse(String((o.metadata as { creationTimestamp?: unknown }).creationTimestamp ?? ''));
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/**
 * The reduce layer: of the selected, unfinished Jobs that run or would run once the halt layer is undone, the
 * oldest (creationTimestamp, then namespace/name) are kept while their demand fits under the cap; the others
 * belong to the reduce layer and are suspended. A Job the halt layer suspended is handed over (its record, with
 * the value from before the first change, moves to the reduce layer) and stays suspended; a Job the reduce layer
 * suspended and someone resumed by hand is suspended again. Jobs suspended by someone else do not run: not ours.
 */
export async function capJobs(p: {
  listed: Map<string, KubeObject[]>;
  halt: Run;
  reduce: Run;
  config: KubernetesReduceConfig;
  guard: Guard;
  jobs: KubeResource;
  hook: string;
}): Promise<void> {
  const candidates: { ns: string; o: KubeObject; key: string }[] = [];
  for (const [ns, items] of p.listed) {
    for (const o of items) {
      if (jobFinished(o)) continue;
      const key = p.reduce.key(p.jobs, ns, o.metadata.name);
      const uid = o.metadata.uid ?? '';
      if (p.reduce.recordFor(key, uid) !== undefined) {
        // Ours already (above the cap when it was decided); a crash mid-hand-over may have left a halt record.
        if (p.halt.recordFor(key, uid) !== undefined) await p.halt.take(key);
        if (o.spec?.suspend !== true) await p.guard(() => p.reduce.suspend(p.jobs, ns, o, 'spec.suspend'));
        continue;
      }
      if (o.spec?.suspend === true && p.halt.recordFor(key, uid) === undefined) continue;
      candidates.push({ ns, o, key });
    }
  }
  candidates.sort((a, b) => created(a.o) - created(b.o) || a.key.localeCompare(b.key));
  let used = 0;
  for (const c of candidates) {
    let demand = 0;
    try {
      demand = demandOf(c.o, p.config.resource, p.hook);
    } catch (e) {
      await p.guard(async () => {
        throw e;
      });
      continue;
    }
    if (used + demand <= p.config.cap) {
      used += demand;
      continue;
    }
    const handed = p.halt.recordFor(c.key, c.o.metadata.uid ?? '');
    if (handed !== undefined) {
      await p.reduce.adopt(c.key, handed); // written before the halt layer lets go of it
      await p.halt.take(c.key);
    }
    if (c.o.spec?.suspend !== true) await p.guard(() => p.reduce.suspend(p.jobs, c.ns, c.o, 'spec.suspend'));
  }
}

/** observe(): the selection as the API server reports it, in a stable order. */
export async function observeSelection(p: {
  namespaces: readonly string[];
  list: (r: KubeResource, ns: string) => Promise<KubeObject[]>;
  jobs: KubeResource | null;
  scalable: readonly KubeResource[];
  custom: readonly { resource: KubeResource; path: string }[];
  reduce: KubernetesReduceConfig | null;
}): Promise<JsonValue> {
  const jobs: JsonValue[] = [];
  const workloads: JsonValue[] = [];
  const customResources: JsonValue[] = [];
  let used = 0;
  const byName = (a: KubeObject, b: KubeObject) => a.metadata.name.localeCompare(b.metadata.name);
  for (const ns of [...p.namespaces].sort()) {
    if (p.jobs !== null) {
      for (const o of (await p.list(p.jobs, ns)).sort(byName)) {
        const status = (o.status ?? {}) as { active?: unknown };
        const suspend = o.spec?.suspend === true;
        const done = jobFinished(o);
        jobs.push({
          namespace: ns,
          name: o.metadata.name,
          suspend,
          active: typeof status.active === 'number' ? status.active : 0,
          finished: done,
        });
        if (p.reduce !== null && !suspend && !done) used += demandOf(o, p.reduce.resource);
      }
    }
    for (const r of p.scalable) {
      for (const o of (await p.list(r, ns)).sort(byName)) {
        const replicas = o.spec?.replicas;
        workloads.push({
          resource: resourceName(r),
          namespace: ns,
          name: o.metadata.name,
          replicas: typeof replicas === 'number' ? replicas : 1,
        });
      }
    }
    for (const t of p.custom) {
      for (const o of (await p.list(t.resource, ns)).sort(byName)) {
        let cur: unknown = o;
        for (const k of t.path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[k];
        customResources.push({
          resource: resourceName(t.resource),
          namespace: ns,
          name: o.metadata.name,
          suspend: cur === true,
        });
      }
    }
  }
  return {
    jobs,
    workloads,
    customResources,
    reduce: p.reduce === null ? null : { resource: p.reduce.resource, cap: p.reduce.cap, used },
  };
}
