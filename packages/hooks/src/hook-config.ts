import { z } from 'zod';
import {
  type ExecHookConfig,
  execHookConfigSchema,
  type FileHookConfig,
  fileHookConfigSchema,
  formatConfigIssues,
  type KubernetesHookConfig,
  kubernetesHookConfigSchema,
  show,
  valueAt,
  type WebhookHookConfig,
  webhookHookConfigSchema,
} from './config.js';
import { type SlurmHookConfig, slurmHookConfigSchema } from './slurm/config.js';
import { HookError } from './types.js';

/** Schemas by `type`; the factory and parser dispatch on this. */
export const hookConfigSchemas = {
  exec: execHookConfigSchema,
  webhook: webhookHookConfigSchema,
  file: fileHookConfigSchema,
  slurm: slurmHookConfigSchema,
  kubernetes: kubernetesHookConfigSchema,
} as const;

/** Any validated hook config (discriminated by `type`). */
export type HookConfig =
  | ExecHookConfig
  | WebhookHookConfig
  | FileHookConfig
  | SlurmHookConfig
  | KubernetesHookConfig;
export type HookType = keyof typeof hookConfigSchemas;

/** Input shape (before defaults) of any hook config. */
export type HookConfigInput = z.input<(typeof hookConfigSchemas)[HookType]>;

/** One zod schema for a hook list (for embedding in the node config; prefer parseHookConfigs for messages). */
export const hookConfigSchema = z.discriminatedUnion('type', [
  execHookConfigSchema,
  webhookHookConfigSchema,
  fileHookConfigSchema,
  slurmHookConfigSchema,
  kubernetesHookConfigSchema,
]);

/** Validates one hook config object; throws HookError('CONFIG') naming field, value and fix. */
export function parseHookConfig(input: unknown, where = 'hook'): HookConfig {
  const type = valueAt(input, ['type']);
  const known = Object.keys(hookConfigSchemas);
  if (typeof type !== 'string' || !(type in hookConfigSchemas)) {
    throw new HookError(
      'CONFIG',
      `${where}.type: got ${show(type)}; expected one of ${known.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const schema = hookConfigSchemas[type as HookType];
  const r = schema.safeParse(input);
  if (!r.success) {
    const name = valueAt(input, ['name']);
    throw new HookError('CONFIG', formatConfigIssues(r.error.issues, input, where), {
      hook: typeof name === 'string' ? name : undefined,
      details: { issues: r.error.issues },
    });
  }
  return r.data;
}

/** Validates a list of hook configs (names must be unique). */
export function parseHookConfigs(input: unknown, where = 'hooks'): HookConfig[] {
  if (!Array.isArray(input)) {
    throw new HookError('CONFIG', `${where}: got ${show(input)}; expected a list of hook objects`);
  }
  const out: HookConfig[] = [];
  const problems: string[] = [];
  input.forEach((c, i) => {
    try {
      out.push(parseHookConfig(c, `${where}[${i}]`));
    } catch (e) {
      problems.push((e as Error).message);
    }
  });
  if (problems.length > 0) throw new HookError('CONFIG', problems.join('\n'));
  const seen = new Set<string>();
  out.forEach((c, i) => {
    if (seen.has(c.name)) {
      throw new HookError(
        'CONFIG',
        `${where}[${i}].name: got "${c.name}"; hook names must be unique (they key the hook journal)`,
      );
    }
    seen.add(c.name);
  });
  return out;
}
