import { ExecHook } from './adapters/exec.js';
import { FileHook } from './adapters/file.js';
import { WebhookHook } from './adapters/webhook.js';
import { type HookConfig, parseHookConfig } from './hook-config.js';
import { KubernetesHook } from './kubernetes/adapter.js';
import { SlurmHook } from './slurm/adapter.js';
import type { HookAdapter, HookLogger } from './types.js';

/** Builds an adapter from a config object (validated here; throws HookError CONFIG naming field/value/fix). */
export function createHook(config: unknown, deps: { logger?: HookLogger } = {}): HookAdapter {
  const c: HookConfig = parseHookConfig(config, 'hook');
  switch (c.type) {
    case 'exec':
      return new ExecHook(c);
    case 'webhook':
      return new WebhookHook(c);
    case 'file':
      return new FileHook(c);
    case 'slurm':
      return new SlurmHook(c, deps);
    case 'kubernetes':
      return new KubernetesHook(c, deps);
  }
}
