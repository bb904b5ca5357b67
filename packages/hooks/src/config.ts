import { z } from 'zod';

/** Hook names key the journal and state store: short, stable, file-name safe. */
export const hookNameSchema = z
  .string({ error: 'expected a string like "stop-training"' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: 'expected 1-64 chars of letters, digits, ".", "_", "-" (starting with a letter or digit)',
  });

/** Positive integer milliseconds with an upper bound of one hour. */
export function timeoutMsSchema(defaultMs: number) {
  return z
    .int({ error: 'expected an integer number of milliseconds, e.g. 10000' })
    .min(1, { error: 'expected at least 1 ms, e.g. 10000' })
    .max(3_600_000, { error: 'expected at most 3600000 ms (1 hour)' })
    .default(defaultMs);
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an env variable name' });

/**
 * What exec and webhook hooks are sent at REDUCED: `halt` (default: a hook written for two levels holds REDUCED
 * like PAUSED, with the level in its context) or `reduce` (the receiver implements the reduce level itself).
 */
const onReduceSchema = z
  .enum(['halt', 'reduce'], { error: 'expected "halt" (hold REDUCED like PAUSED) or "reduce"' })
  .default('halt');

export const execHookConfigSchema = z.strictObject({
  type: z.literal('exec'),
  name: hookNameSchema,
  command: z
    .string({ error: 'expected the program to run, e.g. "/usr/local/bin/stop-training"' })
    .min(1, { error: 'expected a non-empty program path, e.g. "/usr/local/bin/stop-training"' }),
  args: z.array(z.string({ error: 'expected each argument to be a string' })).default([]),
  env: z.record(envName, z.string({ error: 'expected env values to be strings' })).default({}),
  /** Names copied from the node's environment on top of the base allow-list (docs/hooks.md "Environment"). */
  envPassthrough: z.array(envName).default([]),
  cwd: z.string().min(1).optional(),
  timeoutMs: timeoutMsSchema(30_000),
  killGraceMs: timeoutMsSchema(2_000),
  onReduce: onReduceSchema,
});
export type ExecHookConfig = z.infer<typeof execHookConfigSchema>;

export const webhookHookConfigSchema = z
  .strictObject({
    type: z.literal('webhook'),
    name: hookNameSchema,
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. "https://ops.example/pausenet"' })
      .describe('endpoint'),
    secret: z.string().min(16, { error: 'expected a shared secret of at least 16 characters' }).optional(),
    secretEnv: envName.optional(),
    secretFile: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: timeoutMsSchema(10_000),
    caFile: z.string().min(1).optional(),
    onReduce: onReduceSchema,
  })
  .refine((c) => [c.secret, c.secretEnv, c.secretFile].filter((v) => v !== undefined).length === 1, {
    error: 'set exactly one of secret, secretEnv or secretFile (the HMAC-SHA256 signing key)',
    path: ['secret'],
  });
export type WebhookHookConfig = z.infer<typeof webhookHookConfigSchema>;

export const fileHookConfigSchema = z.strictObject({
  type: z.literal('file'),
  name: hookNameSchema,
  path: z
    .string({ error: 'expected the sentinel file path, e.g. "/run/pausenet/PAUSED"' })
    .min(1, { error: 'expected a non-empty path, e.g. "/run/pausenet/PAUSED"' }),
  mode: z.int().min(0).max(0o777).default(0o644),
  /** Sentinel of the REDUCED level (present at REDUCED and PAUSED); absent: REDUCED is held like PAUSED. */
  reducedPath: z
    .string({ error: 'expected the REDUCED sentinel path, e.g. "/run/pausenet/REDUCED"' })
    .min(1, { error: 'expected a non-empty path, e.g. "/run/pausenet/REDUCED"' })
    .optional(),
});
export type FileHookConfig = z.infer<typeof fileHookConfigSchema>;

export const kubernetesCustomResourceSchema = z.strictObject({
  group: z.string().min(1, { error: 'expected an API group, e.g. "jobset.x-k8s.io"' }),
  version: z.string().min(1, { error: 'expected an API version, e.g. "v1alpha2"' }),
  plural: z
    .string()
    .regex(/^[a-z0-9.-]+$/, { error: 'expected the lowercase plural resource, e.g. "jobsets"' }),
  suspendPath: z
    .string()
    .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, { error: 'expected a dot path, e.g. "spec.suspend"' })
    .default('spec.suspend'),
});
export type KubernetesCustomResource = z.infer<typeof kubernetesCustomResourceSchema>;

/**
 * The kubernetes hook's `reduce` action: selected Jobs are kept running, oldest first, while their demand for
 * `resource` fits under `cap`; the others are suspended. Without it, REDUCED is held like PAUSED.
 */
export const kubernetesReduceSchema = z.strictObject({
  /** An integer-valued container resource (requests, else limits, times parallelism), or "pods" (parallelism). */
  resource: z
    .string()
    .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9._-]+$/, {
      error: 'expected a resource name, e.g. "nvidia.com/gpu" or "pods"',
    })
    .default('nvidia.com/gpu'),
  cap: z.int().min(0).max(2_147_483_647),
});
export type KubernetesReduceConfig = z.infer<typeof kubernetesReduceSchema>;

export const kubernetesHookConfigSchema = z
  .strictObject({
    type: z.literal('kubernetes'),
    name: hookNameSchema,
    /** Where credentials come from: a kubeconfig file, the in-cluster service account, or explicit values. */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    inCluster: z.boolean().default(false),
    server: z
      .url({ protocol: /^https?$/, error: 'expected the API server URL, e.g. "https://10.0.0.1:6443"' })
      .optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    insecureSkipTlsVerify: z.boolean().default(false),
    namespaces: z
      .array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected a namespace name' }))
      .min(1, { error: 'expected at least one namespace, e.g. ["training"]' })
      .default(['default']),
    selector: z
      .string({ error: 'expected a label selector, e.g. "pausenet.io/pause=true"' })
      .min(1, { error: 'expected a non-empty label selector, e.g. "pausenet.io/pause=true"' }),
    jobs: z.boolean().default(true),
    deployments: z.boolean().default(true),
    statefulSets: z.boolean().default(true),
    customResources: z.array(kubernetesCustomResourceSchema).default([]),
    timeoutMs: timeoutMsSchema(30_000),
    conflictRetries: z.int().min(0).max(100).default(5),
    /** How REDUCED is applied (absent: REDUCED is held like PAUSED). */
    reduce: kubernetesReduceSchema.optional(),
  })
  .refine((c) => c.inCluster || c.kubeconfig !== undefined || c.server !== undefined, {
    error: 'set one of kubeconfig (path), inCluster: true, or server (+ token/tokenFile)',
    path: ['kubeconfig'],
  });
export type KubernetesHookConfig = z.infer<typeof kubernetesHookConfigSchema>;

/** The value at `path` in `input` (for error messages). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Short JSON rendering of a config value for error messages. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let s = prefix;
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? String(k) : `.${String(k)}`;
  return s === '' ? '(root)' : s;
}

/** Turns zod issues into one message naming each field, the value found, and what to write instead. */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix = ''): string {
  return issues
    .map((i) => {
      const where = fieldPath(prefix, i.path);
      if (i.code === 'unrecognized_keys') {
        return `${where}: unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; remove them or fix the spelling`;
      }
      return `${where}: got ${show(valueAt(input, i.path))}; ${i.message}`;
    })
    .join('\n');
}
