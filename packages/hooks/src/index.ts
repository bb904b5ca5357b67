/** @packageDocumentation Halt hooks: adapters (exec, webhook, file, kubernetes, slurm), runner, journal, fail-safe. */

export { ExecHook } from './adapters/exec.js';
export { FileHook } from './adapters/file.js';
export type { WebhookBody } from './adapters/webhook.js';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signWebhookBody,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  WebhookHook,
} from './adapters/webhook.js';
export type {
  ExecHookConfig,
  FileHookConfig,
  KubernetesCustomResource,
  KubernetesHookConfig,
  KubernetesReduceConfig,
  WebhookHookConfig,
} from './config.js';
export {
  execHookConfigSchema,
  fileHookConfigSchema,
  formatConfigIssues,
  hookNameSchema,
  kubernetesHookConfigSchema,
  kubernetesReduceSchema,
  timeoutMsSchema,
  webhookHookConfigSchema,
} from './config.js';
export type { Deadline } from './deadline.js';
export { startDeadline, throwIfAborted } from './deadline.js';
export type { ChildEnvOptions } from './env.js';
export { BASE_ENV_ALLOW, childEnv } from './env.js';
export { createHook } from './factory.js';
export type { FailSafeConfig, FailSafeDecision, FailSafeSettings } from './fail-safe.js';
export { FailSafe, failSafeSettingsSchema } from './fail-safe.js';
export { fsyncDir, writeFileAtomic } from './fs-atomic.js';
export type { HookConfig, HookConfigInput, HookType } from './hook-config.js';
export { hookConfigSchema, hookConfigSchemas, parseHookConfig, parseHookConfigs } from './hook-config.js';
export type { KubeApplyReport, KubeUndoRecord } from './kubernetes/adapter.js';
export { KUBE_REDUCE_UNDO_KEY, KubernetesHook } from './kubernetes/adapter.js';
export type { KubeObject, KubeResource } from './kubernetes/client.js';
export type { KubeCredentials } from './kubernetes/credentials.js';
export { loadKubeCredentials } from './kubernetes/credentials.js';
export { demandOf } from './kubernetes/reduce.js';
export type { SchedulerObservation } from './observe.js';
export { CanonicalJsonError, canonicalJson, observeHooks, schedulerDigest } from './observe.js';
export type { HookRunnerEvent, HookRunnerOptions, HookRunResult, RetryPolicy } from './runner.js';
export { DEFAULT_RETRY, HookRunner } from './runner.js';
export * from './slurm/index.js';
export type { HookStatusJson } from './status.js';
export { hookStatusJson, hookStatusList } from './status.js';
export { JsonFileHookStore, MemoryHookStateStore } from './store/json-file.js';
export type {
  HookAction,
  HookAdapter,
  HookCertificate,
  HookContext,
  HookErrorCode,
  HookJournal,
  HookJournalEntry,
  HookLevelLimits,
  HookLogEvent,
  HookLogFields,
  HookLogger,
  HookStateStore,
  HookStatus,
  JsonValue,
  PauseTarget,
} from './types.js';
export {
  actionForTarget,
  HOOK_LOG_EVENTS,
  HookError,
  isHookError,
  levelRank,
  PAUSE_LEVELS,
  targetForAction,
} from './types.js';
