import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { fromHexOrNull, toHex } from './bytes.js';
import { encodeGenesis } from './codec/codec.js';
import {
  DEFAULT_JUDGED_MAX_AGE_EPOCHS,
  DEFAULT_JUDGED_QUOTA_PER_EPOCH,
  PROTOCOL_VERSION,
} from './codec/limits.js';
import { CAP_NAMES, ELEVATED_LEVELS, EVIDENCE_KINDS } from './codec/messages.js';
import { GenesisConfigError, type GenesisConfigIssue, ProtocolError } from './errors.js';
import { DEFAULT_APPROVAL_REQUIRED, DEFAULT_AUTO_VOTE } from './policy.js';
import type { CapName, ElevatedLevel, EvidenceKind, Genesis, Limits } from './types.js';

/**
 * genesis.yaml <-> Genesis. Quantities may be written as integers, quoted decimal strings ("100_000") or exact
 * scientific notation ("1e26"); durations as integer ms or "<n>ms|s|m|h|d"; genesisTime as ms or ISO-8601.
 */

function hexOf(len: number, what: string) {
  return z.string().transform((s, ctx) => {
    const b = fromHexOrNull(s);
    if (!b || b.length !== len) {
      ctx.addIssue({ code: 'custom', message: `${len * 2} hex characters (${what})` });
      return z.NEVER;
    }
    return b;
  });
}

const safeInt = z.union([z.bigint(), z.number()]).transform((v, ctx) => {
  const ok =
    typeof v === 'bigint'
      ? v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)
      : Number.isSafeInteger(v) && v >= 0;
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: 'a non-negative integer below 2^53' });
    return z.NEVER;
  }
  return Number(v);
});

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const duration = z.union([
  safeInt,
  z.string().transform((s, ctx) => {
    const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(s.trim());
    const n = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: 'integer milliseconds or a duration like "15m", "1h", "7d"' });
      return z.NEVER;
    }
    return n;
  }),
]);

const timestamp = z.union([
  safeInt,
  z.string().transform((s, ctx) => {
    const ms = /^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})$/.test(s) ? Date.parse(s) : Number.NaN;
    if (!Number.isSafeInteger(ms) || ms < 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'unix milliseconds or an ISO-8601 time like "2026-01-01T00:00:00Z"',
      });
      return z.NEVER;
    }
    return ms;
  }),
]);

/** Exact decimal or scientific notation to bigint; null when not a non-negative integer. */
export function parseQuantity(s: string): bigint | null {
  const t = s.trim().replace(/_/g, '');
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  const m = /^([0-9]+)(?:\.([0-9]+))?[eE]\+?([0-9]{1,3})$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? '';
  const exp = Number(m[3]) - frac.length;
  if (exp < 0) {
    const digits = BigInt(`${m[1]}${frac}`);
    const div = 10n ** BigInt(-exp);
    return digits % div === 0n ? digits / div : null;
  }
  return BigInt(`${m[1]}${frac}`) * 10n ** BigInt(exp);
}

const QUANTITY_EXPECTED =
  'a non-negative integer: digits, or a quoted string like "1e26" / "100_000" (unquoted 1e26 is a float in YAML)';

const quantity = z.union([z.bigint(), z.number(), z.string()]).transform((v, ctx) => {
  let out: bigint | null = null;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number') out = Number.isSafeInteger(v) ? BigInt(v) : null;
  else out = parseQuantity(v);
  if (out === null || out < 0n) {
    ctx.addIssue({ code: 'custom', message: QUANTITY_EXPECTED });
    return z.NEVER;
  }
  return out;
});

const kind = z.enum(EVIDENCE_KINDS as [EvidenceKind, ...EvidenceKind[]]);

const member = z.strictObject({
  id: z.string(),
  name: z.string(),
  index: safeInt,
  publicKey: hexOf(32, 'Ed25519 public key'),
  peerIds: z.array(z.string()).default([]),
  addrs: z.array(z.string()).default([]),
  pledge: z.strictObject({ dependsOn: z.union([z.literal('all'), z.array(z.string())]) }).optional(),
});

const elevated = z.enum(ELEVATED_LEVELS as [ElevatedLevel, ...ElevatedLevel[]]);

const limits = z.strictObject({
  trainingFlop: quantity.optional(),
  largestRunGrowthBps: safeInt.optional(),
  acceleratorHoursBps: safeInt.optional(),
});

/** `version: 2`; an older version is refused with the fix (docs/protocol.md "Versions"). */
const version = z.union([z.bigint(), z.number()]).transform((v, ctx) => {
  if (Number(v) !== PROTOCOL_VERSION) {
    ctx.addIssue({
      code: 'custom',
      message: `${PROTOCOL_VERSION}: this pausenet speaks protocol version ${PROTOCOL_VERSION} (breach ids, resumes that name what they resolve; docs/protocol.md "Versions"). A version-${String(v)} genesis cannot be upgraded in place: create a new one (\`pausenet genesis create\`) and run the DKG again`,
    });
    return z.NEVER;
  }
  return PROTOCOL_VERSION as Genesis['version'];
});

const positiveInt = safeInt.refine((n) => n >= 1, 'an integer >= 1');

const schema = z.strictObject({
  version,
  name: z.string(),
  threshold: safeInt,
  members: z.array(member),
  policy: z.strictObject({
    genesisTime: timestamp,
    epochMs: duration,
    deadlineMs: duration,
    graceMs: duration,
    caps: z.strictObject({
      trainingFlop: quantity,
      largestRunFlop: quantity,
      maxParams: quantity,
      datasetTokens: quantity,
    }),
    autoVote: z.array(kind).default(() => [...DEFAULT_AUTO_VOTE]),
    approvalRequired: z.array(kind).default(() => [...DEFAULT_APPROVAL_REQUIRED]),
    resumeNeedsApproval: z.boolean().default(true),
    auditors: z
      .array(z.strictObject({ id: z.string(), name: z.string(), publicKey: hexOf(32, 'Ed25519 public key') }))
      .default([]),
    judgedQuotaPerEpoch: positiveInt.default(DEFAULT_JUDGED_QUOTA_PER_EPOCH),
    judgedMaxAgeEpochs: positiveInt.default(DEFAULT_JUDGED_MAX_AGE_EPOCHS),
    levels: z
      .strictObject({
        kinds: z.partialRecord(kind, elevated).optional(),
        caps: z.partialRecord(z.enum(CAP_NAMES as [CapName, ...CapName[]]), elevated).optional(),
      })
      .optional(),
    limits: z.strictObject({ REDUCED: limits.optional(), PAUSED: limits.optional() }).optional(),
    baselineEpochs: positiveInt.optional(),
    receiptDeadlineMs: duration.optional(),
    onBrokenCondition: z.enum(['hold', 'release']).optional(),
  }),
  dkg: z
    .strictObject({
      groupPublicKey: hexOf(48, 'BLS G1 public key'),
      publicShares: z.array(hexOf(48, 'BLS G1 public share')),
      transcriptHash: hexOf(32, 'SHA-256'),
    })
    .optional(),
});

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k as string];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s =
    typeof v === 'bigint'
      ? v.toString()
      : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out;
}

/** Convert a ProtocolError path like `members[1].index` back to keys for value lookup. */
function splitPath(p: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

/** Optional fields the YAML leaves out are absent (never `undefined`), as in a decoded genesis. */
function withoutUndefined(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutUndefined);
  if (typeof x !== 'object' || x === null || x instanceof Uint8Array) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

/** Parse and validate genesis YAML; every bad field is reported with its path, value and expectation. */
export function parseGenesisYaml(text: string): Genesis {
  let raw: unknown;
  try {
    raw = parse(text, { intAsBigInt: true, prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new GenesisConfigError([
      { path: '', value: 'YAML text', expected: `valid YAML (${(e as Error).message})` },
    ]);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues: GenesisConfigIssue[] = r.error.issues.flatMap((i) => {
      if (i.code === 'unrecognized_keys')
        return i.keys.map((k) => ({
          path: pathString([...i.path, k]),
          value: show(valueAt(raw, [...i.path, k])),
          expected: 'no such field (check the spelling; see configs/genesis.example.yaml)',
        }));
      const v = valueAt(raw, i.path);
      return [
        {
          path: pathString(i.path),
          value: show(v),
          expected: v === undefined ? 'a value (required field)' : i.message,
        },
      ];
    });
    throw new GenesisConfigError(issues);
  }
  const g = withoutUndefined(r.data) as Genesis;
  try {
    encodeGenesis(g); // field bounds (ids, lengths, counts) and G-rules
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const v = valueAt(raw, splitPath(e.path));
    throw new GenesisConfigError([
      { path: e.path, value: show(v), expected: e.message.replace(/^[A-Z_]+ at [^:]+: /, '') },
    ]);
  }
  return g;
}

/** Render a genesis as YAML that parseGenesisYaml reads back to the same value. */
export function genesisToYaml(g: Genesis): string {
  encodeGenesis(g);
  const q = (x: bigint) => x.toString(10);
  const lim = (l: Limits | undefined) =>
    l === undefined
      ? undefined
      : { ...l, ...(l.trainingFlop !== undefined ? { trainingFlop: q(l.trainingFlop) } : {}) };
  const { limits: levelLimits, ...policy } = g.policy;
  const doc = {
    version: g.version,
    name: g.name,
    threshold: g.threshold,
    members: g.members.map((m) => ({ ...m, publicKey: toHex(m.publicKey) })),
    policy: {
      ...policy,
      ...(levelLimits !== undefined
        ? { limits: withoutUndefined({ REDUCED: lim(levelLimits.REDUCED), PAUSED: lim(levelLimits.PAUSED) }) }
        : {}),
      caps: {
        trainingFlop: q(g.policy.caps.trainingFlop),
        largestRunFlop: q(g.policy.caps.largestRunFlop),
        maxParams: q(g.policy.caps.maxParams),
        datasetTokens: q(g.policy.caps.datasetTokens),
      },
      auditors: g.policy.auditors.map((a) => ({ ...a, publicKey: toHex(a.publicKey) })),
    },
    ...(g.dkg
      ? {
          dkg: {
            groupPublicKey: toHex(g.dkg.groupPublicKey),
            publicShares: g.dkg.publicShares.map(toHex),
            transcriptHash: toHex(g.dkg.transcriptHash),
          },
        }
      : {}),
  };
  return stringify(doc, { lineWidth: 0 });
}
