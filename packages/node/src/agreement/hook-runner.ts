import {
  type HookAdapter,
  type HookCertificate,
  type HookLogger,
  HookRunner,
  type HookRunnerEvent,
  type RetryPolicy,
} from '@pausenet/hooks';
import {
  type Certificate,
  certificateToJson,
  decodeCertificate,
  fromHexOrNull,
  toHex,
} from '@pausenet/protocol';
import type { NodeStore } from '../store/repositories.js';

/** The hook context of an applied certificate. */
export function hookCertificateOf(cert: Certificate, hash: Uint8Array): HookCertificate {
  return {
    networkId: toHex(cert.networkId),
    height: cert.height,
    target: cert.target,
    certificateHash: toHex(hash),
    certificateJson: JSON.stringify(certificateToJson(cert)),
  };
}

/** A HookRunner that also names its hooks, so the agreement can journal them in the apply transaction. */
export class StoreHookRunner extends HookRunner {
  readonly hookNames: readonly string[];
  constructor(opts: ConstructorParameters<typeof HookRunner>[0]) {
    super(opts);
    this.hookNames = opts.hooks.map((h) => h.name);
  }
}

export interface CreateHookRunnerOptions {
  store: NodeStore;
  hooks: readonly HookAdapter[];
  logger?: HookLogger;
  retry?: Partial<RetryPolicy>;
  onEvent?(event: HookRunnerEvent): void;
  now?(): number;
}

/** HookRunner wired to the node's store: journal, per-hook state, certificate lookup for restarts. */
export function createHookRunner(opts: CreateHookRunnerOptions): StoreHookRunner {
  const store = opts.store;
  return new StoreHookRunner({
    hooks: opts.hooks,
    journal: store.hookJournal,
    stateFor: (name) => store.hookState(name),
    loadCertificate: async (hashHex) => {
      if (!/^[0-9a-f]{64}$/.test(hashHex)) return undefined; // e.g. a fail-safe run: no certificate
      const row = store.certificates.byHash(fromHexOrNull(hashHex) as Uint8Array);
      if (row === undefined) return undefined;
      return hookCertificateOf(decodeCertificate(row.bytes), row.hash);
    },
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
    ...(opts.onEvent !== undefined ? { onEvent: opts.onEvent } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
}
