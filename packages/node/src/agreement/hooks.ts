import { actionForTarget, type HookCertificate } from '@pausenet/hooks';
import { type Certificate, toHex } from '@pausenet/protocol';
import type { AgreementCore } from './core.js';
import { AgreementError } from './errors.js';
import { FailSafeMonitor, type FailSafeStatus } from './fail-safe.js';
import { hookCertificateOf } from './hook-runner.js';
import type { AgreementStatus, Readiness } from './types.js';

interface RunOutcome {
  hookName: string;
  status: 'ok' | 'failed' | 'superseded';
  lastError: string | null;
}

/** The slice of @pausenet/hooks' HookRunner the agreement uses. */
export interface RunnerLike {
  runFor(cert: HookCertificate, opts?: { signal?: AbortSignal }): Promise<readonly RunOutcome[]>;
  reassert(cert: HookCertificate, opts?: { signal?: AbortSignal }): Promise<readonly RunOutcome[]>;
  resumeUnfinished(opts?: { signal?: AbortSignal }): Promise<unknown>;
  stop?(): Promise<void>;
  readonly hookNames?: readonly string[];
}

/** The hooks handed to the agreement, checked: a HookRunner (createHookRunner) or null. */
export function asRunner(x: unknown): RunnerLike | null {
  if (x === null || x === undefined) return null;
  const r = x as Partial<RunnerLike>;
  if (
    typeof r.runFor !== 'function' ||
    typeof r.resumeUnfinished !== 'function' ||
    typeof r.reassert !== 'function'
  ) {
    throw new AgreementError(
      'BAD_HOOKS',
      'hooks must be a HookRunner from @pausenet/hooks (see createHookRunner) or null',
    );
  }
  return x as RunnerLike;
}

function missingConnectivity(): never {
  throw new AgreementError('BAD_CONFIG', 'failSafe.enabled needs the node to pass connectedMembers()');
}

/** How long a graceful stop waits for hook runs under way before aborting them. */
const HOOK_DRAIN_MS = 5_000;

export interface HookDriverOptions {
  /** Fail-safe (off by default): run halt hooks locally when cut off from t members for longer than afterMs. */
  failSafe?: { enabled: boolean; afterMs: number } | undefined;
  /** Members this node has a live connection to now (needed by the fail-safe). */
  connectedMembers?: (() => string[]) | undefined;
}

/**
 * Hooks: runs them for every applied certificate, re-asserts the current state's hooks on start (and says
 * when the node is ready), and drives the fail-safe. Hooks run on members only: observers never act.
 */
export class HookDriver {
  /** Hook names journaled 'pending' in the transaction that applies a certificate. */
  readonly names: readonly string[];
  private readonly failSafe: FailSafeMonitor | null;
  /** Readiness: the start-up re-assert of the current state's hooks has completed (GET /v1/health). */
  private ready = false;
  private readyReason: string | null = 'starting';
  private readonly hookRuns = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly core: AgreementCore,
    private readonly runner: RunnerLike | null,
    opts: HookDriverOptions = {},
  ) {
    this.names = runner?.hookNames ?? [];
    if (opts.failSafe?.enabled === true && opts.connectedMembers === undefined) missingConnectivity();
    this.failSafe =
      opts.failSafe?.enabled === true && runner !== null
        ? new FailSafeMonitor({
            afterMs: opts.failSafe.afterMs,
            threshold: core.threshold,
            self: core.self?.lab ?? null,
            connectedMembers: opts.connectedMembers ?? missingConnectivity,
            now: core.now,
            onTrip: (reason) => this.trip(reason),
            onRecover: () => this.recover(),
          })
        : null;
  }

  /** Whether applied certificates get journal rows (a runner with hooks). */
  get journaled(): boolean {
    return this.runner !== null && this.names.length > 0;
  }

  /** Start-up work: re-assert, finish unfinished journal rows, start the fail-safe clock. */
  start(): void {
    this.reassertOnStart();
    if (this.runner !== null) this.track(this.runner.resumeUnfinished({ signal: this.abort.signal }));
    this.failSafe?.start();
  }

  /** Let hook attempts under way finish (bounded), then abort the rest. */
  async stop(): Promise<void> {
    this.failSafe?.stop();
    // Graceful stop: a SIGTERM mid-halt must not make an at-least-once hook run a second time after the restart.
    if (this.hookRuns.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.hookRuns]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, HOOK_DRAIN_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.abort.abort();
    await Promise.allSettled([...this.hookRuns]);
  }

  /** Settles when no hook run is under way; true if none was. */
  async settled(): Promise<boolean> {
    await Promise.allSettled([...this.hookRuns]);
    return this.hookRuns.size === 0;
  }

  failSafeStatus(): FailSafeStatus {
    return this.failSafe?.status() ?? { enabled: false, active: false, reason: null, since: null };
  }

  /** Run the hooks of an applied certificate (halt on PAUSED, resume on RUNNING). */
  run(cert: Certificate, hash: Uint8Array): void {
    const runner = this.runner;
    if (runner === null) return;
    const hc = hookCertificateOf(cert, hash);
    this.track(
      runner.runFor(hc, { signal: this.abort.signal }).then((results) => {
        this.core.log.info(
          { event: 'hooks.done', height: hc.height, action: actionForTarget(hc.target) },
          'hooks done',
        );
        // A node whose start-up re-assert failed is ready again once the hooks of a newer state all ran.
        if (!this.ready && hc.height === this.core.machine.height && results.every((r) => r.status === 'ok'))
          this.setReady(null);
      }),
    );
  }

  /**
   * Start-up re-assert (docs/protocol.md "Re-assert on start"): while PAUSED, every hook runs again for
   * the current certificate; the node is ready once each is ok (or superseded by a newer certificate).
   * While RUNNING, only a certificate applied just before a crash without journal rows gets its hooks run.
   */
  private reassertOnStart(): void {
    const cert = this.core.machine.certificate;
    const runner = this.runner;
    const row = cert === null ? undefined : this.core.store.certificates.get(cert.height);
    if (runner === null || cert === null || row === undefined) {
      this.setReady(null);
      return;
    }
    if (cert.target === 'RUNNING') {
      if (this.core.store.hookJournal.entriesFor(toHex(row.hash)).length === 0) {
        this.core.log.info(
          { event: 'hooks.rerun', height: cert.height },
          'running hooks of the applied certificate after restart',
        );
        this.run(cert, row.hash);
      }
      this.setReady(null);
      return;
    }
    const hc = hookCertificateOf(cert, row.hash);
    this.readyReason = `re-asserting the halt hooks of height ${cert.height}`;
    this.core.log.info(
      { event: 'hooks.reasserting', height: cert.height, hooks: this.names },
      're-asserting PAUSED: running halt hooks again',
    );
    this.track(
      runner.reassert(hc, { signal: this.abort.signal }).then((results) => {
        const failed = results.filter((r) => r.status === 'failed');
        if (failed.length === 0) {
          this.core.log.info({ event: 'hooks.reasserted', height: cert.height }, 'halt re-asserted: ready');
          this.setReady(null);
        } else {
          const why = failed.map((r) => `${r.hookName}: ${r.lastError ?? 'failed'}`).join('; ');
          this.core.log.error(
            { event: 'hooks.reassert_failed', height: cert.height, failed: why },
            'halt re-assert failed: not ready',
          );
          this.readyReason = `halt hooks of height ${cert.height} failed on start: ${why}`;
          this.core.emitChange();
        }
      }),
    );
  }

  private setReady(reason: string | null): void {
    this.ready = reason === null;
    this.readyReason = reason;
    this.core.emitChange();
  }

  private track(p: Promise<unknown>): void {
    const t = p
      .catch((e: unknown) =>
        this.core.log.error({ event: 'hooks.run_failed', err: (e as Error).message }, 'hook run failed'),
      )
      .finally(() => {
        this.hookRuns.delete(t);
        this.core.emitChange();
      });
    this.hookRuns.add(t);
  }

  private trip(reason: string): void {
    this.core.log.warn(
      { event: 'failsafe.tripped', reason, state: this.core.machine.state, height: this.core.machine.height },
      'fail-safe tripped: running halt hooks locally (no certificate; pause state unchanged)',
    );
    this.core.emitChange();
    if (this.core.machine.state === 'RUNNING') this.runLocal('PAUSED', reason);
  }

  private recover(): void {
    this.core.log.warn(
      { event: 'failsafe.cleared', state: this.core.machine.state },
      'fail-safe cleared: t members reachable again',
    );
    this.core.emitChange();
    if (this.core.machine.state === 'RUNNING') this.runLocal('RUNNING', 'fail-safe cleared');
  }

  private runLocal(target: 'RUNNING' | 'PAUSED', reason: string): void {
    const runner = this.runner;
    if (runner === null) return;
    const at = this.core.now();
    this.track(
      runner.runFor(
        {
          networkId: toHex(this.core.networkId),
          height: this.core.machine.height,
          target,
          certificateHash: `failsafe-${target === 'PAUSED' ? 'halt' : 'resume'}-${at}`,
          certificateJson: JSON.stringify({
            failSafe: true,
            reason,
            certifiedHeight: this.core.machine.height,
            at,
          }),
        },
        { signal: this.abort.signal },
      ),
    );
  }

  /** Latest hook journal rows (read on status requests only: the ingest path uses the height getter). */
  view(): AgreementStatus['hooks'] {
    return this.core.store.hookJournal.latest(50).map((e) => ({
      height: e.height,
      action: e.action,
      hook: e.hookName,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      reasserts: e.reasserts ?? 0,
    }));
  }

  /** Readiness for GET /v1/health (cheap: no journal read). */
  readiness(): Readiness {
    return {
      ready: this.ready,
      reason: this.ready ? null : this.readyReason,
      state: this.core.machine.state,
      height: this.core.machine.height,
    };
  }
}
