import { describe, expect, it } from 'vitest';
import { ExecHook } from '../src/adapters/exec.js';
import { FileHook } from '../src/adapters/file.js';
import { WebhookHook } from '../src/adapters/webhook.js';
import { createHook } from '../src/factory.js';
import { parseHookConfig, parseHookConfigs } from '../src/hook-config.js';
import { KubernetesHook } from '../src/kubernetes/adapter.js';
import { HookError } from '../src/types.js';

const configError = (f: () => unknown): HookError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HookError);
    expect((e as HookError).code).toBe('CONFIG');
    return e as HookError;
  }
  throw new Error('expected a CONFIG error');
};

describe('hook config', () => {
  it('applies defaults', () => {
    expect(parseHookConfig({ type: 'exec', name: 'x', command: '/bin/true' })).toEqual({
      type: 'exec',
      name: 'x',
      command: '/bin/true',
      args: [],
      env: {},
      envPassthrough: [],
      timeoutMs: 30_000,
      killGraceMs: 2_000,
      onReduce: 'halt',
    });
  });

  it('exec envPassthrough takes variable names only', () => {
    const e = configError(() =>
      parseHookConfigs([
        { type: 'exec', name: 'x', command: '/bin/true', envPassthrough: ['KUBECONFIG', 'BAD NAME'] },
      ]),
    );
    expect(e.message).toContain('hooks[0].envPassthrough[1]: got "BAD NAME"');
    expect(e.message).toContain('expected an env variable name');
  });

  it('errors name the field, the value found, and the fix', () => {
    const e = configError(() =>
      parseHookConfigs([{ type: 'exec', name: 'ok', command: '/bin/true', timeoutMs: -5, colour: 'red' }]),
    );
    expect(e.message).toContain('hooks[0].timeoutMs: got -5; expected at least 1 ms, e.g. 10000');
    expect(e.message).toContain('hooks[0]: unknown key(s) "colour"');
    expect(configError(() => parseHookConfigs([{ type: 'slurmm', name: 'x' }])).message).toMatch(
      /hooks\[0\]\.type: got "slurmm"; expected one of "exec", "webhook", "file", "slurm", "kubernetes"/,
    );
    expect(
      configError(() => parseHookConfig({ type: 'webhook', name: 'w', url: 'ftp://x' })).message,
    ).toContain('hook.url: got "ftp://x"; expected an http(s) URL');
    expect(
      configError(() => parseHookConfig({ type: 'webhook', name: 'w', url: 'https://x.example/' })).message,
    ).toContain('set exactly one of secret, secretEnv or secretFile');
    expect(
      configError(() => parseHookConfig({ type: 'kubernetes', name: 'k', selector: 'a=b' })).message,
    ).toContain('hook.kubeconfig: got nothing; set one of kubeconfig (path), inCluster: true, or server');
    expect(
      configError(() => parseHookConfig({ type: 'file', name: 'bad name!', path: '/x' })).message,
    ).toContain('hook.name: got "bad name!"');
  });

  it('hook names must be unique (they key the journal)', () => {
    const e = configError(() =>
      parseHookConfigs([
        { type: 'file', name: 'a', path: '/run/a' },
        { type: 'file', name: 'a', path: '/run/b' },
      ]),
    );
    expect(e.message).toContain('hooks[1].name: got "a"; hook names must be unique');
  });

  it('createHook builds each adapter type', () => {
    expect(createHook({ type: 'exec', name: 'e', command: '/bin/true' })).toBeInstanceOf(ExecHook);
    expect(
      createHook({ type: 'webhook', name: 'w', url: 'https://ops.example/p', secret: 'x'.repeat(16) }),
    ).toBeInstanceOf(WebhookHook);
    expect(createHook({ type: 'file', name: 'f', path: '/run/pausenet/PAUSED' })).toBeInstanceOf(FileHook);
    expect(createHook({ type: 'kubernetes', name: 'k', inCluster: true, selector: 'a=b' })).toBeInstanceOf(
      KubernetesHook,
    );
    expect(() => createHook({ type: 'exec', name: 'e' })).toThrow(HookError);
  });
});
