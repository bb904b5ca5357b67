import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDashboard } from '../../src/api/static.js';
import type { PausenetNode } from '../../src/node.js';
import { makeTestNetwork, metricsBody, type TestNetwork } from '../helpers/network.js';
import { get, post, startNode } from '../helpers/nodes.js';

describe('local HTTP API (real server on 127.0.0.1, one member node)', () => {
  let net: TestNetwork;
  let node: PausenetNode;

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    node = await startNode(net.memberConfig(0), { env: net.env });
  });
  afterAll(async () => {
    await node?.stop();
    net?.cleanup();
  });

  it('binds to loopback; token and node key files are 0600', () => {
    expect(node.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(join(node.config.dataDir, 'api-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(node.config.dataDir, 'node-key')).mode & 0o777).toBe(0o600);
  });

  it('GET /v1/status and /v1/genesis', async () => {
    const s = await get(node, '/v1/status');
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      role: 'member',
      self: 'lab-a',
      peerId: node.peerId,
      state: 'RUNNING',
      height: 0,
      threshold: 3,
    });
    expect(s.body.networkId).toBe(node.networkIdHex);
    expect(s.body.labs.map((l: { id: string }) => l.id)).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d']);
    expect(s.body).toMatchObject({ ready: true, breaches: { open: [], openCount: 0, resolvedCount: 0 } });
    // Nothing to re-assert at height 0: ready at once.
    const h = await get(node, '/v1/health');
    expect([h.status, h.body]).toEqual([200, { ready: true, reason: null, state: 'RUNNING', height: 0 }]);
    const g = await get(node, '/v1/genesis');
    expect(g.body.members[0].id).toBe('lab-a');
    expect(g.body.policy.caps.trainingFlop).toBe(String(10n ** 26n));
  });

  it('writes need the bearer token; errors are JSON {error:{code,message}}', async () => {
    const noAuth = await post(node, '/v1/commitments', metricsBody(0, 1), 'wrong-token');
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.error.code).toBe('UNAUTHORIZED');
    const badJson = await fetch(`${node.apiUrl}/v1/commitments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await import('../helpers/nodes.js')).apiToken(node)}` },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('BAD_JSON');
    const badMetrics = await post(node, '/v1/commitments', {
      metrics: { ...(metricsBody(0).metrics as object), maxParams: '-5' },
    });
    expect(badMetrics.status).toBe(400);
    expect(badMetrics.body.error.code).toBe('BAD_METRICS');
    expect(badMetrics.body.error.message).toMatch(/maxParams/);
    expect((await get(node, '/v1/nope')).body.error.code).toBe('NOT_FOUND');
    const wrongMethod = await fetch(`${node.apiUrl}/v1/status`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect((await get(node, '/v1/commitments?from=abc')).body.error.code).toBe('BAD_QUERY');
    expect((await get(node, '/v1/commitments?lab=lab-z')).status).toBe(404);
  });

  it('POST /v1/commitments signs, chains and stores; runs get salts; an epoch cannot be committed twice', async () => {
    const runs = [{ id: 'run-1', flop: '1000', params: '10', datasetTokens: '5', acceleratorHours: '2' }];
    const first = await post(node, '/v1/commitments', { ...metricsBody(1, 3), runs });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ lab: 'lab-a', seq: 0, epoch: 3, prev: '0'.repeat(64) });
    expect(first.body.runsRoot).not.toBe('0'.repeat(64));
    expect(first.body.runs[0].salt).toMatch(/^[0-9a-f]{64}$/);
    const second = await post(node, '/v1/commitments', metricsBody(2, 4));
    expect(second.body).toMatchObject({ seq: 1, prev: first.body.hash });
    const dup = await post(node, '/v1/commitments', metricsBody(3, 4));
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('EPOCH_COMMITTED');
    const list = await get(node, '/v1/commitments?lab=lab-a&from=4&to=4');
    expect(list.body.map((c: { seq: number }) => c.seq)).toEqual([1]);
  });

  it('POST /v1/evidence files a signed report; GET /v1/evidence lists it; /v1/approve validates input', async () => {
    const ev = await post(node, '/v1/evidence', {
      kind: 'report',
      subject: 'lab-b',
      epoch: 1,
      digest: 'ab'.repeat(32),
      summary: 'audit finding',
    });
    expect(ev.status, JSON.stringify(ev.body)).toBe(201);
    expect(ev.body.breach).toMatch(/^[0-9a-f]{64}$/);
    const list = await get(node, '/v1/evidence');
    const listed = list.body.find((e: { hash: string }) => e.hash === ev.body.hash);
    expect(listed).toMatchObject({ breach: ev.body.breach });
    expect(listed.firstSeenAt).toBeGreaterThan(0);
    // The open judged breach is listed in the status with its id and the evidence that proved it.
    const st = await get(node, '/v1/status');
    expect(st.body.breaches.open).toEqual([
      expect.objectContaining({
        id: ev.body.breach,
        kind: 'report',
        lab: 'lab-b',
        epoch: 1,
        evidence: ev.body.hash,
      }),
    ]);
    const bad = await post(node, '/v1/approve', { height: 0, target: 'PAUSED' });
    expect(bad.status).toBe(400);
    const badIds = await post(node, '/v1/approve', { height: 1, target: 'PAUSED', breaches: ['XYZ'] });
    expect([badIds.status, badIds.body.error.code]).toEqual([400, 'BAD_APPROVAL']);
    // A dry run names the open judged breach and records nothing; refusals are 409 with a code.
    const dry = await post(node, '/v1/approve', { height: 1, target: 'PAUSED', dryRun: true });
    expect([dry.status, dry.body]).toMatchObject([
      200,
      {
        dryRun: true,
        signed: false,
        source: 'open-breaches',
        breaches: [{ id: ev.body.breach, status: 'open' }],
      },
    ]);
    const wrong = await post(node, '/v1/approve', { height: 2, target: 'RUNNING' });
    expect([wrong.status, wrong.body.error.code]).toEqual([409, 'NOT_OPEN_HEIGHT']);
    expect((await get(node, '/v1/certificates')).body).toEqual([]);
  });

  it('GET /v1/events streams status as SSE, and again when it changes', async () => {
    const ac = new AbortController();
    const res = await fetch(`${node.apiUrl}/v1/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = '';
    const nextEvent = async (): Promise<{
      event: string;
      data: { labs: { lastCommitment: { seq: number } | null }[] };
    }> => {
      for (;;) {
        const i = buf.indexOf('\n\n');
        if (i >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (chunk.startsWith(':')) continue;
          const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? '';
          return { event, data: JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? 'null') };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('SSE ended');
        buf += dec.decode(value, { stream: true });
      }
    };
    const first = await nextEvent();
    expect(first.event).toBe('status');
    const before = first.data.labs[0]?.lastCommitment?.seq ?? -1;
    await post(node, '/v1/commitments', metricsBody(4, 10));
    const second = await nextEvent();
    expect(second.data.labs[0]?.lastCommitment?.seq).toBe(before + 1);
    ac.abort();
  });

  it('GET /metrics is Prometheus text with peers, messages by code, store size', async () => {
    const m = await get(node, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^pausenet_peers \d+$/m);
    expect(m.body).toMatch(
      /pausenet_messages_total\{topic="commitment",result="accept",code="OK",source="local"\} \d+/,
    );
    expect(m.body).toMatch(/^pausenet_store_bytes [1-9]\d*$/m);
    expect(m.body).toMatch(/pausenet_sync_lag/);
  });

  it('GET / serves the dashboard when @pausenet/dashboard is built (with its CSP), never files outside it', async () => {
    const dash = await findDashboard();
    const res = await fetch(`${node.apiUrl}/`);
    if (dash) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      if (dash.csp) expect(res.headers.get('content-security-policy')).toBe(dash.csp);
    } else {
      expect(res.status).toBe(404);
    }
    const outside = await fetch(`${node.apiUrl}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(outside.status).toBe(404);
  });
});
