/** Live status feed: Server-Sent Events from GET /v1/events, falling back to polling GET /v1/status. */
import { getJson, type StatusJson } from './api.js';

export type ConnMode = 'connecting' | 'live' | 'polling' | 'offline';

export interface LiveOptions {
  onStatus: (s: StatusJson) => void;
  onMode: (mode: ConnMode, detail: string) => void;
  /** Poll interval while SSE is unavailable (ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Start following the node; stops when `signal` aborts. */
export function followStatus(opts: LiveOptions): void {
  const pollMs = opts.pollMs ?? 3000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let es: EventSource | undefined;
  let reopen: ReturnType<typeof setTimeout> | undefined;

  const poll = async (): Promise<void> => {
    if (!polling || opts.signal?.aborted) return;
    try {
      const s = await getJson<StatusJson>('v1/status', { signal: opts.signal });
      if (!polling) return;
      opts.onMode('polling', `polling every ${Math.round(pollMs / 1000)} s`);
      opts.onStatus(s);
    } catch (err) {
      if (opts.signal?.aborted) return;
      opts.onMode('offline', (err as Error).message);
    }
    if (polling) timer = setTimeout(poll, pollMs);
  };
  const startPolling = (): void => {
    if (polling) return;
    polling = true;
    void poll();
  };
  const stopPolling = (): void => {
    polling = false;
    if (timer !== undefined) clearTimeout(timer);
  };

  const openSse = (): void => {
    if (typeof EventSource === 'undefined') {
      startPolling();
      return;
    }
    es = new EventSource('v1/events');
    es.onopen = () => {
      stopPolling();
      opts.onMode('live', 'live via server-sent events');
    };
    const onEvent = (ev: Event): void => {
      try {
        opts.onStatus(JSON.parse((ev as MessageEvent<string>).data) as StatusJson);
        stopPolling();
        opts.onMode('live', 'live via server-sent events');
      } catch {
        // a malformed event is ignored; the next one (or polling) brings the state
      }
    };
    // The contract names the event `status`; an unnamed event (type `message`) is accepted too.
    es.addEventListener('status', onEvent);
    es.addEventListener('message', onEvent);
    es.onerror = () => {
      // The browser retries by itself while readyState is CONNECTING; poll meanwhile.
      startPolling();
      if (es?.readyState === EventSource.CLOSED) {
        es.close();
        reopen = setTimeout(openSse, 15_000);
      }
    };
  };

  opts.onMode('connecting', 'connecting…');
  openSse();
  opts.signal?.addEventListener('abort', () => {
    stopPolling();
    if (reopen !== undefined) clearTimeout(reopen);
    es?.close();
  });
}
