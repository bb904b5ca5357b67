// Over 400 lines on purpose: halt, reduce and resume with their exact undo act on the same Jobs and
// Deployments, and the write-ahead order between the two layers reads in one file.
import type { KubernetesHookConfig } from '../config.js';
import { startDeadline } from '../deadline.js';
import { HttpTransportError } from '../http.js';
import {
  type HookAction,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookLogger,
  type HookStateStore,
  type JsonValue,
} from '../types.js';
import { KubeClient, type KubeObject, type KubeResource, resourceName } from './client.js';
import { type KubeCredentials, loadKubeCredentials } from './credentials.js';
import { capJobs, jobFinished, observeSelection } from './reduce.js';

const UNDO_KEY = 'k8s:undo';
/** Undo record of the reduce layer (Jobs suspended above the cap); `k8s:undo` is the halt layer's. */
export const KUBE_REDUCE_UNDO_KEY = 'k8s:undo-reduce';
const REPORT_KEY = 'k8s:last-report';

export const JOBS: KubeResource = { group: 'batch', version: 'v1', plural: 'jobs' };
export const DEPLOYMENTS: KubeResource = { group: 'apps', version: 'v1', plural: 'deployments' };
export const STATEFULSETS: KubeResource = { group: 'apps', version: 'v1', plural: 'statefulsets' };

/** What halt changed on one object, written before the change so resume can restore exactly that. */
export type KubeUndoRecord =
  | {
      op: 'suspend';
      resource: KubeResource;
      namespace: string;
      name: string;
      uid: string;
      path: string;
      previous: unknown;
    }
  | { op: 'scale'; resource: KubeResource; namespace: string; name: string; uid: string; replicas: number };

/** Outcome of the last apply, kept in the state store and logged. */
export interface KubeApplyReport {
  action: HookAction;
  changed: string[];
  skipped: { object: string; reason: string }[];
}

type Undo = Record<string, KubeUndoRecord>;

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function nested(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let out: unknown = value;
  for (let i = keys.length - 1; i >= 0; i--) out = { [keys[i] as string]: out };
  return out as Record<string, unknown>;
}

/**
 * Kubernetes halt hook: suspends selected batch/v1 Jobs (and configured CRDs such as JobSet) and scales selected
 * Deployments/StatefulSets to 0, recording each change first; resume restores only what halt changed.
 * Levels (docs/hooks.md "Levels"): with a `reduce` section, the reduce layer (Jobs above the cap suspended, own
 * undo record) lies beneath the halt layer; an object belongs to one layer at a time.
 */
export class KubernetesHook implements HookAdapter {
  readonly type = 'kubernetes';
  readonly name: string;
  private readonly config: KubernetesHookConfig;
  private readonly logger: HookLogger | undefined;
  private readonly credentials: () => Promise<KubeCredentials>;

  constructor(
    config: KubernetesHookConfig,
    deps: { logger?: HookLogger; credentials?: KubeCredentials } = {},
  ) {
    this.config = config;
    this.name = config.name;
    this.logger = deps.logger;
    const fixed = deps.credentials;
    this.credentials = fixed ? async () => fixed : () => loadKubeCredentials(config);
  }

  private suspendTargets(): { resource: KubeResource; path: string }[] {
    const out: { resource: KubeResource; path: string }[] = [];
    if (this.config.jobs) out.push({ resource: JOBS, path: 'spec.suspend' });
    for (const cr of this.config.customResources) {
      out.push({
        resource: { group: cr.group, version: cr.version, plural: cr.plural },
        path: cr.suspendPath,
      });
    }
    return out;
  }

  private scaleTargets(): KubeResource[] {
    return [
      ...(this.config.deployments ? [DEPLOYMENTS] : []),
      ...(this.config.statefulSets ? [STATEFULSETS] : []),
    ];
  }

  /** Halts or resumes the selected workloads; idempotent; failures on some objects do not stop the others. */
  async apply(action: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const deadline = startDeadline(this.name, this.config.timeoutMs, opts.signal);
    const report: KubeApplyReport = { action, changed: [], skipped: [] };
    const errors: HookError[] = [];
    try {
      deadline.check();
      const client = new KubeClient(this.name, await this.credentials());
      const undo = ((await ctx.state.get(UNDO_KEY)) as Undo | undefined) ?? {};
      const run = new Run(
        this.name,
        client,
        ctx.state,
        undo,
        report,
        deadline.signal,
        this.config.conflictRetries,
      );
      const reduceUndo = ((await ctx.state.get(KUBE_REDUCE_UNDO_KEY)) as Undo | undefined) ?? {};
      const reduceRun = new Run(
        this.name,
        client,
        ctx.state,
        reduceUndo,
        report,
        deadline.signal,
        this.config.conflictRetries,
        KUBE_REDUCE_UNDO_KEY,
      );
      const reduce = this.config.reduce;
      const cap = async () => {
        if (reduce === undefined) return;
        const listed = new Map<string, KubeObject[]>();
        for (const ns of this.config.namespaces) {
          await guard(async () => {
            listed.set(ns, await client.list(JOBS, ns, this.config.selector, deadline.signal));
          });
        }
        await capJobs({
          listed,
          halt: run,
          reduce: reduceRun,
          config: reduce,
          guard,
          jobs: JOBS,
          hook: this.name,
        });
      };
      const guard = async (f: () => Promise<void>) => {
        deadline.check();
        try {
          await f();
        } catch (e) {
          if (e instanceof HttpTransportError || deadline.signal.aborted) throw deadline.error(action);
          if (!(e instanceof HookError)) throw e;
          errors.push(e);
        }
      };
      // Without a reduce section REDUCED is held like PAUSED.
      const effective = action === 'reduce' && reduce === undefined ? 'halt' : action;
      if (effective === 'reduce') {
        // Fail closed: the halt layer is undone only once the cap is in place (excess Jobs handed to the reduce
        // layer still suspended), so nothing above the cap runs in between.
        const before = errors.length;
        await cap();
        if (errors.length === before) {
          for (const [key, rec] of Object.entries(undo)) await guard(() => run.restore(key, rec));
        }
      } else if (effective === 'halt') {
        await cap();
        for (const ns of this.config.namespaces) {
          for (const t of this.suspendTargets()) {
            await guard(async () => {
              for (const o of await client.list(t.resource, ns, this.config.selector, deadline.signal)) {
                await guard(() => run.suspend(t.resource, ns, o, t.path));
              }
            });
          }
          for (const r of this.scaleTargets()) {
            await guard(async () => {
              for (const o of await client.list(r, ns, this.config.selector, deadline.signal)) {
                await guard(() => run.scaleToZero(r, ns, o));
              }
            });
          }
        }
      } else {
        const before = errors.length;
        for (const [key, rec] of Object.entries(undo)) await guard(() => run.restore(key, rec));
        // Top layer first; the reduce layer stays if the halt layer could not be undone (fail closed).
        if (errors.length === before) {
          for (const [key, rec] of Object.entries(reduceUndo)) await guard(() => reduceRun.restore(key, rec));
        }
      }
    } finally {
      deadline.dispose();
    }
    await ctx.state.set(REPORT_KEY, report);
    this.logger?.info(
      {
        event: 'kubernetes.applied',
        hook: this.name,
        action,
        changed: report.changed.length,
        skipped: report.skipped,
      },
      'kubernetes hook applied',
    );
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      const codes = new Set(errors.map((e) => e.code));
      const code = codes.size === 1 ? (errors[0] as HookError).code : 'PARTIAL';
      throw new HookError(
        code,
        `${this.name}: ${errors.length} object(s) failed:\n${errors.map((e) => e.message).join('\n')}`,
        {
          hook: this.name,
          details: { errors: errors.map((e) => ({ code: e.code, message: e.message })) },
        },
      );
    }
  }

  /**
   * What the API server now says about the selection (for receipts): each selected Job's suspend flag, active
   * pod count and whether it finished; the selected Deployments'/StatefulSets' replicas; the custom resources'
   * suspend flag; with a reduce section, the demand running under the cap. Reads only.
   */
  async observe(opts: { signal?: AbortSignal } = {}): Promise<JsonValue> {
    const deadline = startDeadline(this.name, this.config.timeoutMs, opts.signal);
    try {
      const client = new KubeClient(this.name, await this.credentials());
      const list = (r: KubeResource, ns: string) => client.list(r, ns, this.config.selector, deadline.signal);
      return await observeSelection({
        namespaces: this.config.namespaces,
        list,
        jobs: this.config.jobs ? JOBS : null,
        scalable: this.scaleTargets(),
        custom: this.suspendTargets().filter((t) => t.resource !== JOBS),
        reduce: this.config.reduce ?? null,
      });
    } catch (e) {
      if (e instanceof HttpTransportError || deadline.signal.aborted) throw deadline.error('observe');
      throw e;
    } finally {
      deadline.dispose();
    }
  }
}

/** One apply's working set for one layer: its undo map is persisted (under `stateKey`) before every change. */
export class Run {
  constructor(
    private readonly hook: string,
    private readonly client: KubeClient,
    private readonly state: HookStateStore,
    private readonly undo: Undo,
    private readonly report: KubeApplyReport,
    private readonly signal: AbortSignal,
    private readonly retries: number,
    private readonly stateKey: string = UNDO_KEY,
  ) {}

  key(r: KubeResource, ns: string, name: string): string {
    return `${resourceName(r)}:${ns}/${name}`;
  }

  /** This layer's record for `key`, if it is for the object with `uid` (a recreated object is not ours). */
  recordFor(key: string, uid: string): KubeUndoRecord | undefined {
    const rec = this.undo[key];
    return rec !== undefined && rec.uid === uid ? rec : undefined;
  }

  /** Removes and returns this layer's record for `key` (handing the object to another layer). */
  async take(key: string): Promise<KubeUndoRecord | undefined> {
    const rec = this.undo[key];
    if (rec !== undefined) {
      delete this.undo[key];
      await this.save();
    }
    return rec;
  }

  /** Takes over a record from another layer (written before the other layer drops it). */
  async adopt(key: string, rec: KubeUndoRecord): Promise<void> {
    this.undo[key] = rec;
    await this.save();
  }

  private async save(): Promise<void> {
    await this.state.set(this.stateKey, this.undo);
  }

  private async forget(key: string, reason?: string): Promise<void> {
    if (reason) this.report.skipped.push({ object: key, reason });
    if (key in this.undo) {
      delete this.undo[key];
      await this.save();
    }
  }

  /** Retries `f` on 409 Conflict (each attempt re-reads the object). */
  private async withConflictRetry(what: string, f: (attempt: number) => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f(attempt);
      } catch (e) {
        if (!(e instanceof HookError && e.code === 'CONFLICT') || attempt >= this.retries) {
          if (e instanceof HookError && e.code === 'CONFLICT') {
            throw new HookError(
              'CONFLICT',
              `${this.hook}: ${what}: still conflicting after ${attempt + 1} attempts`,
              {
                hook: this.hook,
                cause: e,
              },
            );
          }
          throw e;
        }
      }
    }
  }

  async suspend(r: KubeResource, ns: string, listed: KubeObject, path: string): Promise<void> {
    const name = listed.metadata.name;
    const key = this.key(r, ns, name);
    await this.withConflictRetry(`suspend ${key}`, async (attempt) => {
      const o = attempt === 0 ? listed : await this.client.get(r, ns, name, undefined, this.signal);
      if (o === null) return this.forget(key, 'gone');
      const uid = o.metadata.uid ?? '';
      const rec = this.undo[key];
      if (rec && rec.uid !== uid) delete this.undo[key]; // deleted and recreated: the old record is moot
      if (getPath(o, path) === true) return; // already suspended (by us if recorded, else by someone else: not ours)
      if (r === JOBS && jobFinished(o)) return;
      if (!this.undo[key]) {
        this.undo[key] = {
          op: 'suspend',
          resource: r,
          namespace: ns,
          name,
          uid,
          path,
          previous: getPath(o, path) ?? null,
        };
        await this.save();
      }
      const patched = await this.client.mergePatch(
        r,
        ns,
        name,
        { metadata: { resourceVersion: o.metadata.resourceVersion }, ...nested(path, true) },
        this.signal,
      );
      if (patched === null) return this.forget(key, 'gone');
      this.report.changed.push(key);
    });
  }

  async scaleToZero(r: KubeResource, ns: string, listed: KubeObject): Promise<void> {
    const name = listed.metadata.name;
    const key = this.key(r, ns, name);
    await this.withConflictRetry(`scale ${key} to 0`, async () => {
      const s = await this.client.get(r, ns, name, 'scale', this.signal);
      if (s === null) return this.forget(key, 'gone');
      const uid = s.metadata.uid ?? listed.metadata.uid ?? '';
      const rec = this.undo[key];
      if (rec && rec.uid !== uid) delete this.undo[key];
      const replicas = Number(s.spec?.replicas ?? 0);
      if (replicas === 0) return;
      if (!this.undo[key]) {
        this.undo[key] = { op: 'scale', resource: r, namespace: ns, name, uid, replicas };
        await this.save();
      }
      const out = await this.client.put(
        r,
        ns,
        name,
        { ...s, spec: { ...s.spec, replicas: 0 }, status: undefined },
        'scale',
        this.signal,
      );
      if (out === null) return this.forget(key, 'gone');
      this.report.changed.push(key);
    });
  }

  async restore(key: string, rec: KubeUndoRecord): Promise<void> {
    const { resource: r, namespace: ns, name } = rec;
    await this.withConflictRetry(`restore ${key}`, async () => {
      const o = await this.client.get(r, ns, name, rec.op === 'scale' ? 'scale' : undefined, this.signal);
      if (o === null) return this.forget(key, 'gone');
      if ((o.metadata.uid ?? '') !== rec.uid) return this.forget(key, 'recreated since halt');
      if (rec.op === 'suspend') {
        if (getPath(o, rec.path) !== true) return this.forget(key, 'already unsuspended by someone else');
        const patched = await this.client.mergePatch(
          r,
          ns,
          name,
          { metadata: { resourceVersion: o.metadata.resourceVersion }, ...nested(rec.path, rec.previous) },
          this.signal,
        );
        if (patched === null) return this.forget(key, 'gone');
      } else {
        if (Number(o.spec?.replicas ?? 0) !== 0)
          return this.forget(key, 'rescaled by someone else since halt');
        const out = await this.client.put(
          r,
          ns,
          name,
          { ...o, spec: { ...o.spec, replicas: rec.replicas }, status: undefined },
          'scale',
          this.signal,
        );
        if (out === null) return this.forget(key, 'gone');
      }
      this.report.changed.push(key);
      await this.forget(key);
    });
  }
}
