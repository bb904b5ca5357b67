import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { complianceContext, runHookCompliance } from '../src/compliance.js';
import { kubernetesHookConfigSchema } from '../src/config.js';
import { KubernetesHook } from '../src/kubernetes/adapter.js';
import { loadKubeCredentials } from '../src/kubernetes/credentials.js';
import { MemoryHookStateStore } from '../src/store/json-file.js';
import { HookError } from '../src/types.js';
import { MockKubeApi } from './helpers/mock-kube-api.js';
import { tempDir } from './helpers/tmp.js';

const PAUSE = { 'pausenet.io/pause': 'true', team: 'pretraining' };

/** A small training cluster: things the hook must touch, and things it must leave alone. */
function populate(api: MockKubeApi): void {
  api.add('jobs', 'training', 'train-a', PAUSE, { suspend: false, parallelism: 8 });
  api.add('jobs', 'training', 'train-b', PAUSE, { suspend: true }); // suspended by someone else: not ours
  api.add('jobs', 'training', 'infer', { app: 'inference' }, { suspend: false });
  const done = api.add('jobs', 'training', 'finished', PAUSE, { suspend: false });
  done.status = { conditions: [{ type: 'Complete', status: 'True' }] };
  api.add('deployments', 'training', 'trainer', PAUSE, { replicas: 3 });
  api.add('deployments', 'training', 'idle', PAUSE, { replicas: 0 });
  api.add('deployments', 'training', 'serving', { app: 'inference' }, { replicas: 2 });
  api.add('statefulsets', 'training', 'param-server', PAUSE, { replicas: 2 });
  api.add('jobsets', 'training', 'big-run', PAUSE, { suspend: false, replicatedJobs: [] });
  api.add('jobs', 'other', 'train-c', PAUSE, { suspend: false }); // namespace not configured
}

function config(api: MockKubeApi, extra: Record<string, unknown> = {}) {
  return kubernetesHookConfigSchema.parse({
    type: 'kubernetes',
    name: 'k8s-test',
    server: api.url,
    token: api.token,
    namespaces: ['training'],
    selector: 'pausenet.io/pause=true,team in (pretraining)',
    customResources: [{ group: 'jobset.x-k8s.io', version: 'v1alpha2', plural: 'jobsets' }],
    ...extra,
  });
}

runHookCompliance(
  'kubernetes (mock API server)',
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
      // Someone unsuspends the training jobs and scales the workloads back up by hand.
      undoOutOfBand: async () => {
        const edit = (plural: string, name: string, spec: Record<string, unknown>) => {
          const o = api.obj(plural, 'training', name);
          if (o) Object.assign(o.spec, spec);
          api.touch(plural, 'training', name);
        };
        edit('jobs', 'train-a', { suspend: false });
        edit('jobsets', 'big-run', { suspend: false });
        edit('deployments', 'trainer', { replicas: 3 });
        edit('statefulsets', 'param-server', { replicas: 2 });
      },
      cleanup: () => api.stop(),
    };
  },
  { failureCodes: ['PERMISSION'] },
);

describe('kubernetes hook (mock API server)', () => {
  let api: MockKubeApi;
  let state: MemoryHookStateStore;
  beforeEach(async () => {
    api = new MockKubeApi();
    await api.start();
    populate(api);
    state = new MemoryHookStateStore();
  });
  afterEach(() => api.stop());

  const halt = (h: KubernetesHook) => h.apply('halt', complianceContext('halt', state));
  const resume = (h: KubernetesHook) => h.apply('resume', complianceContext('resume', state));

  it('halt suspends selected Jobs/JobSets and scales selected Deployments/StatefulSets to 0, nothing else', async () => {
    await halt(new KubernetesHook(config(api)));
    expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);
    expect(api.obj('jobsets', 'training', 'big-run')?.spec.suspend).toBe(true);
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(0);
    expect(api.obj('statefulsets', 'training', 'param-server')?.spec.replicas).toBe(0);
    expect(api.obj('jobs', 'training', 'infer')?.spec.suspend).toBe(false);
    expect(api.obj('jobs', 'training', 'finished')?.spec.suspend).toBe(false);
    expect(api.obj('deployments', 'training', 'serving')?.spec.replicas).toBe(2);
    expect(api.obj('jobs', 'other', 'train-c')?.spec.suspend).toBe(false);
    const undo = (await state.get('k8s:undo')) as Record<string, { op: string; replicas?: number }>;
    expect(Object.keys(undo).sort()).toEqual([
      'deployments.apps:training/trainer',
      'jobs.batch:training/train-a',
      'jobsets.jobset.x-k8s.io:training/big-run',
      'statefulsets.apps:training/param-server',
    ]);
    expect(undo['deployments.apps:training/trainer']?.replicas).toBe(3);
    await resume(new KubernetesHook(config(api)));
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(3);
    expect(api.obj('jobs', 'training', 'train-b')?.spec.suspend).toBe(true); // was not ours to undo
    expect(await state.get('k8s:undo')).toEqual({});
  });

  it('409 resourceVersion conflicts are resolved by re-GET and retry', async () => {
    api.conflictNext.set('jobs/training/train-a', 2);
    api.conflictNext.set('deployments/training/trainer', 1);
    await halt(new KubernetesHook(config(api)));
    expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(0);
    expect(api.requests.filter((r) => r.status === 409)).toHaveLength(3);
  });

  it('conflicts that persist beyond conflictRetries are HookError CONFLICT; other objects still halt', async () => {
    api.conflictNext.set('jobs/training/train-a', 10);
    const err = await halt(new KubernetesHook(config(api, { conflictRetries: 2 }))).catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('train-a');
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(0);
  });

  it('403 is HookError PERMISSION naming verb and resource, and does not block the other objects', async () => {
    api.forbidden.add('update:deployments.apps/scale');
    const err = await halt(new KubernetesHook(config(api))).catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('PERMISSION');
    expect(err.message).toContain('"update" on "deployments.apps/scale"');
    expect(err.message).toContain('trainer');
    expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);
    expect(api.obj('statefulsets', 'training', 'param-server')?.spec.replicas).toBe(0);
  });

  it('404 on resume (object deleted while paused) is skipped and recorded; the rest is restored', async () => {
    await halt(new KubernetesHook(config(api)));
    api.remove('jobs', 'training', 'train-a');
    await resume(new KubernetesHook(config(api)));
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(3);
    const report = (await state.get('k8s:last-report')) as { skipped: { object: string; reason: string }[] };
    expect(report.skipped).toEqual([{ object: 'jobs.batch:training/train-a', reason: 'gone' }]);
    expect(await state.get('k8s:undo')).toEqual({});
  });

  it('resume leaves alone objects recreated or rescaled by someone else while paused', async () => {
    await halt(new KubernetesHook(config(api)));
    api.remove('deployments', 'training', 'trainer');
    api.add('deployments', 'training', 'trainer', PAUSE, { replicas: 0 }); // new uid
    const ps = api.obj('statefulsets', 'training', 'param-server');
    if (ps) ps.spec.replicas = 5; // operator override during the pause
    await resume(new KubernetesHook(config(api)));
    expect(api.obj('deployments', 'training', 'trainer')?.spec.replicas).toBe(0);
    expect(api.obj('statefulsets', 'training', 'param-server')?.spec.replicas).toBe(5);
    expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(false);
  });

  it('a wrong token (401) is HookError PERMISSION', async () => {
    const err = await halt(new KubernetesHook(config(api, { token: 'wrong' }))).catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('PERMISSION');
    expect(err.message).toContain('HTTP 401');
  });

  it('credentials from a kubeconfig file (context, token) and from in-cluster service-account files', async () => {
    const { dir, remove } = await tempDir();
    try {
      const kubeconfig = join(dir, 'config');
      await writeFile(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: wrong',
          'clusters:',
          `- name: local\n  cluster:\n    server: ${api.url}`,
          '- name: elsewhere\n  cluster:\n    server: http://127.0.0.1:9',
          'users:',
          `- name: hook\n  user:\n    token: ${api.token}`,
          'contexts:',
          '- name: wrong\n  context:\n    cluster: elsewhere\n    user: hook',
          '- name: lab\n  context:\n    cluster: local\n    user: hook',
        ].join('\n'),
      );
      const fromKubeconfig = config(api, { server: undefined, token: undefined, kubeconfig, context: 'lab' });
      await halt(new KubernetesHook(fromKubeconfig));
      expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);

      const sa = join(dir, 'sa');
      await mkdir(sa);
      await writeFile(join(sa, 'token'), `${api.token}\n`);
      await writeFile(join(sa, 'ca.crt'), 'unused over plain http');
      const inCluster = config(api, { token: undefined, inCluster: true });
      const creds = await loadKubeCredentials(inCluster, {}, sa);
      expect(await creds.token?.()).toBe(api.token);
      await resume(new KubernetesHook(inCluster, { credentials: creds }));
      expect(api.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(false);

      await writeFile(
        kubeconfig,
        `current-context: x\nclusters: [{name: c, cluster: {server: "${api.url}"}}]\n` +
          'users: [{name: u, user: {exec: {command: aws}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n',
      );
      const err = await halt(new KubernetesHook(fromKubeconfig)).catch((e) => e);
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain('context "lab" not found');
      const err2 = await halt(new KubernetesHook({ ...fromKubeconfig, context: undefined })).catch((e) => e);
      expect(err2.code).toBe('CONFIG');
      expect(err2.message).toContain('exec/auth-provider plugin');
    } finally {
      await remove();
    }
  });

  it('HTTPS: the kubeconfig CA (certificate-authority-data) is trusted, an unknown CA is refused (NETWORK)', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url);
    const cert = await readFile(new URL('localhost-cert.pem', fixtures));
    const key = await readFile(new URL('localhost-key.pem', fixtures));
    const tlsApi = new MockKubeApi();
    await tlsApi.start({ key, cert });
    populate(tlsApi);
    const { dir, remove } = await tempDir();
    try {
      const kubeconfig = join(dir, 'config');
      const doc = (ca: string) =>
        `current-context: x\nclusters: [{name: c, cluster: {server: "${tlsApi.url}"${ca}}}]\n` +
        `users: [{name: u, user: {token: ${tlsApi.token}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`;
      await writeFile(kubeconfig, doc(`, certificate-authority-data: ${cert.toString('base64')}`));
      const cfg = config(tlsApi, { server: undefined, token: undefined, kubeconfig });
      await halt(new KubernetesHook(cfg));
      expect(tlsApi.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);
      await writeFile(kubeconfig, doc(''));
      const err = await resume(new KubernetesHook(cfg)).catch((e) => e);
      expect(err).toBeInstanceOf(HookError);
      expect(err.code).toBe('NETWORK');
      expect(tlsApi.obj('jobs', 'training', 'train-a')?.spec.suspend).toBe(true);
    } finally {
      await remove();
      await tlsApi.stop();
    }
  });
});
