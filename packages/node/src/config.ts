import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ConnectionLimits } from './connections.js';
import { ConfigError } from './errors.js';

const EVIDENCE_KINDS = ['cap-exceeded', 'equivocation', 'missed', 'report'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const multiaddrString = z
  .string()
  .regex(/^\/(ip4|ip6|dns|dns4|dns6)\//, 'must be a multiaddr like /ip4/127.0.0.1/tcp/0');

/** A halt-hook entry; the hooks package validates the adapter-specific fields. */
const hookConfigSchema = z.looseObject({
  type: z.enum(['exec', 'webhook', 'file', 'slurm', 'kubernetes']),
  name: z.string().min(1),
});

/** Node configuration schema (data, validated at the edge). */
export const nodeConfigSchema = z
  .strictObject({
    role: z.enum(['member', 'observer']),
    dataDir: z.string().min(1),
    genesisFile: z.string().min(1),
    listen: z.array(multiaddrString).default(['/ip4/127.0.0.1/tcp/0']),
    bootstrap: z
      .array(z.string().regex(/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, 'must end in /p2p/<peerId>'))
      .default([]),
    api: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(0),
        tokenFile: z.string().optional(),
        /** Most GET /v1/events (SSE) streams at once. */
        maxSseClients: z.number().int().min(1).max(10_000).default(64),
        /** An SSE client whose unsent backlog passes this many bytes is disconnected. */
        sseMaxBufferBytes: z.number().int().min(65_536).default(1_048_576),
      })
      .default({ host: '127.0.0.1', port: 0, maxSseClients: 64, sseMaxBufferBytes: 1_048_576 }),
    keystore: z
      .strictObject({
        file: z.string().min(1),
        passphraseEnv: z.string().optional(),
        passphraseFile: z.string().optional(),
      })
      .optional(),
    hooks: z.array(hookConfigSchema).default([]),
    approvals: z.strictObject({ auto: z.array(z.enum(EVIDENCE_KINDS)).optional() }).default({}),
    failSafe: z
      .strictObject({
        enabled: z.boolean().default(false),
        afterMs: z.number().int().positive().default(3_600_000),
      })
      .default({ enabled: false, afterMs: 3_600_000 }),
    sync: z
      .strictObject({
        intervalMs: z.number().int().min(100).default(10_000),
        timeoutMs: z.number().int().min(100).default(10_000),
        maxBatch: z.number().int().min(1).max(1024).default(256),
      })
      .default({ intervalMs: 10_000, timeoutMs: 10_000, maxBatch: 256 }),
    limits: z
      .strictObject({
        /** Gossip messages per second accepted from one peer (token bucket, burst = 4x). */
        perPeerMsgsPerSec: z.number().positive().default(50),
        maxMessageBytes: z.number().int().min(1024).default(262_144),
        /** Inbound connection upgrades pending from non-member IPs in total (member IPs: a pool as big). */
        maxPendingInbound: z.number().int().min(1).max(10_000).default(64),
        /** Of those, from one IP (IPv6: one /64). */
        maxPendingInboundPerIp: z.number().int().min(1).max(10_000).default(4),
        /** An inbound connection must finish its upgrade (Noise + Yamux) within this many ms. */
        inboundUpgradeTimeoutMs: z.number().int().min(500).max(120_000).default(5_000),
        /** New inbound connections per second per IP; genesis members' IPs are exempt. */
        inboundConnectionsPerIpPerSec: z.number().int().min(1).max(10_000).default(5),
        /** Open connections in total; 2 per genesis member peer id are reserved for members. */
        maxConnections: z.number().int().min(8).max(100_000).default(300),
        /** Req/resp requests per second served to one peer (token bucket, burst 2x); excess: RATE_LIMITED. */
        reqRespPerPeerPerSec: z.number().positive().max(100_000).default(20),
        /** Non-member peers remembered in the peers table and redialled (members always are). */
        maxRememberedPeers: z.number().int().min(0).max(4096).default(32),
        /** Gossip messages per second accepted from one non-member peer (token bucket, burst outsiderBurst). */
        outsiderMsgsPerSec: z.number().positive().max(100_000).default(10),
        /** Gossip messages a non-member peer may send at once before its per-peer rate applies. */
        outsiderBurst: z.number().int().min(1).max(10_000).default(8),
        /** BLS pairings per second that gossip from all non-member peers together may cost. */
        outsiderBlsPerSec: z.number().positive().max(100_000).default(20),
        /** Ed25519 verifications per second that gossip from all non-member peers together may cost. */
        outsiderEd25519PerSec: z.number().positive().max(1_000_000).default(400),
      })
      .default({
        perPeerMsgsPerSec: 50,
        maxMessageBytes: 262_144,
        maxPendingInbound: 64,
        maxPendingInboundPerIp: 4,
        inboundUpgradeTimeoutMs: 5_000,
        inboundConnectionsPerIpPerSec: 5,
        maxConnections: 300,
        reqRespPerPeerPerSec: 20,
        maxRememberedPeers: 32,
        outsiderMsgsPerSec: 10,
        outsiderBurst: 8,
        outsiderBlsPerSec: 20,
        outsiderEd25519PerSec: 400,
      }),
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.limits.maxPendingInboundPerIp > c.limits.maxPendingInbound) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'maxPendingInboundPerIp'],
        message: `must not exceed limits.maxPendingInbound (${c.limits.maxPendingInbound})`,
      });
    }
    if (c.role === 'observer' && c.keystore) {
      ctx.addIssue({
        code: 'custom',
        path: ['keystore'],
        message: 'an observer has no signing key; remove "keystore" or set role: member',
      });
    }
    if (c.keystore?.passphraseEnv && c.keystore.passphraseFile) {
      ctx.addIssue({
        code: 'custom',
        path: ['keystore', 'passphraseFile'],
        message: 'give either passphraseEnv or passphraseFile, not both',
      });
    }
  });

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

const FIXES: Record<string, string> = {
  role: 'use "member" for a lab node or "observer" for a read-only node',
  dataDir: 'set dataDir to a writable directory (created if missing)',
  genesisFile: 'point genesisFile at the network genesis.yaml',
  listen: 'e.g. listen: ["/ip4/0.0.0.0/tcp/9000"]',
  bootstrap: 'e.g. bootstrap: ["/ip4/10.0.0.1/tcp/9000/p2p/12D3KooW..."]',
  'api.port': 'use 0 to pick a free port, or a port number 1..65535',
  'api.host': 'keep 127.0.0.1 unless the API sits behind an authenticating proxy',
  keystore: 'members need keystore: {file, passphraseEnv|passphraseFile}',
  'api.maxSseClients': 'an integer 1..10000, e.g. 64 (event streams at once)',
  'api.sseMaxBufferBytes': 'bytes, at least 65536, e.g. 1048576 (a slower event client is dropped)',
  'limits.perPeerMsgsPerSec': 'a positive number, e.g. 50 (gossip messages per second per member peer)',
  'limits.outsiderMsgsPerSec': 'a positive number, e.g. 10 (gossip messages per second per non-member peer)',
  'limits.outsiderBurst': 'an integer 1..10000, e.g. 8 (messages a new non-member peer may send at once)',
  'limits.outsiderBlsPerSec': 'a positive number, e.g. 20 (pairings per second all non-members may cost)',
  'limits.outsiderEd25519PerSec':
    'a positive number, e.g. 400 (Ed25519 checks per second all non-members may cost)',
  'limits.reqRespPerPeerPerSec': 'a positive number, e.g. 20 (sync requests per second per peer)',
  'limits.maxPendingInbound': 'an integer 1..10000, e.g. 64 (inbound upgrades pending from non-member IPs)',
  'limits.maxPendingInboundPerIp': 'an integer 1..10000, e.g. 4 (inbound upgrades pending from one IP)',
  'limits.inboundUpgradeTimeoutMs': 'milliseconds 500..120000, e.g. 5000 (time to finish Noise + Yamux)',
  'limits.inboundConnectionsPerIpPerSec': 'an integer 1..10000, e.g. 5 (new connections per second per IP)',
  'limits.maxConnections': 'an integer 8..100000, e.g. 300 (open connections; members always fit)',
  'limits.maxRememberedPeers': 'an integer 0..4096, e.g. 32 (non-member peers kept in the peers table)',
};

function fixFor(path: string): string {
  const top = path.split('.')[0] ?? path;
  return FIXES[path] ?? FIXES[top] ?? 'see docs/node.md "Config reference"';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Validate a config object; relative paths resolve against `baseDir`. */
export function parseNodeConfig(raw: unknown, baseDir: string = process.cwd()): NodeConfig {
  const res = nodeConfigSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const path = issue ? issue.path.map(String).join('.') : '';
    const field = path === '' ? '(root)' : path;
    const value = issue ? describeValue(valueAt(raw, issue.path)) : '';
    const all = res.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(
      'CONFIG_INVALID',
      `config field "${field}" has value ${value}: ${issue?.message ?? 'invalid'}; fix: ${fixFor(path)} (all problems: ${all})`,
      field,
    );
  }
  const c = res.data;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = abs(c.dataDir);
  return {
    ...c,
    dataDir,
    genesisFile: abs(c.genesisFile),
    api: { ...c.api, ...(c.api.tokenFile ? { tokenFile: abs(c.api.tokenFile) } : {}) },
    ...(c.keystore
      ? {
          keystore: {
            ...c.keystore,
            file: abs(c.keystore.file),
            ...(c.keystore.passphraseFile ? { passphraseFile: abs(c.keystore.passphraseFile) } : {}),
          },
        }
      : {}),
  };
}

/** Load and validate a node config from a YAML/JSON file path or an object. */
export function loadNodeConfig(pathOrObject: string | NodeConfigInput | Record<string, unknown>): NodeConfig {
  if (typeof pathOrObject !== 'string') return parseNodeConfig(pathOrObject);
  let text: string;
  try {
    text = readFileSync(pathOrObject, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'CONFIG_UNREADABLE',
      `cannot read config file ${pathOrObject}: ${(err as Error).message}; fix: check the path and permissions`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new ConfigError(
      'CONFIG_UNREADABLE',
      `config file ${pathOrObject} is not valid YAML/JSON: ${(err as Error).message}`,
    );
  }
  return parseNodeConfig(raw, dirname(resolve(pathOrObject)));
}

/** The inbound connection limits of a config (docs/protocol.md "Admission control"). */
export function connectionLimitsOf(config: Pick<NodeConfig, 'limits'>): ConnectionLimits {
  const l = config.limits;
  return {
    maxPendingInbound: l.maxPendingInbound,
    maxPendingInboundPerIp: l.maxPendingInboundPerIp,
    inboundUpgradeTimeoutMs: l.inboundUpgradeTimeoutMs,
    inboundConnectionsPerIpPerSec: l.inboundConnectionsPerIpPerSec,
    maxConnections: l.maxConnections,
  };
}

/** Standard file locations inside a data dir. */
export function dataPaths(config: Pick<NodeConfig, 'dataDir' | 'api' | 'keystore'>) {
  return {
    db: join(config.dataDir, 'pausenet.db'),
    nodeKey: join(config.dataDir, 'node-key'),
    apiToken: config.api.tokenFile ?? join(config.dataDir, 'api-token'),
    apiUrl: join(config.dataDir, 'api-url'),
    keystore: config.keystore?.file ?? join(config.dataDir, 'keystore.json'),
    lock: join(config.dataDir, 'pausenet.lock'),
  };
}

/**
 * What to do when a data dir holds another network's store. The store (pausenet.db and its WAL) is
 * bound to one network id; the keys are not: keystore.json and node-key are the lab's identity and
 * must survive a move to a new genesis.
 */
export function genesisMismatchMessage(
  dataDir: string,
  storedNetwork: string,
  genesisFile: string,
  genesisNetwork: string,
): string {
  const db = join(dataDir, 'pausenet.db');
  return (
    `dataDir ${dataDir} holds network ${storedNetwork} but genesisFile ${genesisFile} is network ${genesisNetwork}. ` +
    `If this node still belongs to the old network, point genesisFile at that network's genesis. ` +
    `If it moves to the new one: with the node stopped, move the old network's store aside ` +
    `(mkdir ${dataDir}/old-network && mv ${db} ${db}-wal ${db}-shm ${dataDir}/old-network/; missing -wal/-shm files are fine) and start again. ` +
    `Keep keystore.json and node-key where they are: they hold this lab's identity key, BLS share and peer id. ` +
    `Do not start from an empty dataDir. If the old network was PAUSED here, resume it first (or undo the halt by hand): the old store holds the hook journal`
  );
}
