import { sha256 } from '@noble/hashes/sha2.js';
import { ZkError } from './errors.js';
import { bytesToBigint } from './field.js';

/** What a proof is bound to: one lab's commitment at one (epoch, seq) in one network. */
export interface ProofContext {
  /** 32-byte network id (SHA-256 of the canonical genesis). */
  networkId: Uint8Array;
  /** Lab id, `^[a-z0-9][a-z0-9-]{0,31}$`. */
  lab: string;
  epoch: number;
  seq: number;
}

const DOMAIN = new TextEncoder().encode('pausenet/zk/v1/context\0');

function u64(n: number, path: string): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new ZkError('BAD_INPUT', `expected a uint, got ${n}`, path);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/**
 * The context field element (public input 0):
 * SHA-256("pausenet/zk/v1/context\0" ‖ networkId ‖ u8(len lab) ‖ lab ‖ u64be(epoch) ‖ u64be(seq))
 * with its top four bits cleared, so it is < 2^252 < the field modulus (a canonical field element).
 */
export function contextBytes(ctx: ProofContext): Uint8Array {
  if (!(ctx?.networkId instanceof Uint8Array) || ctx.networkId.length !== 32)
    throw new ZkError('BAD_INPUT', 'networkId must be 32 bytes', 'context.networkId');
  if (typeof ctx.lab !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(ctx.lab))
    throw new ZkError('BAD_INPUT', `lab id ${JSON.stringify(ctx.lab)} is not a protocol id`, 'context.lab');
  const lab = new TextEncoder().encode(ctx.lab);
  const msg = new Uint8Array(DOMAIN.length + 32 + 1 + lab.length + 16);
  let o = 0;
  for (const part of [DOMAIN, ctx.networkId, Uint8Array.of(lab.length), lab]) {
    msg.set(part, o);
    o += part.length;
  }
  msg.set(u64(ctx.epoch, 'context.epoch'), o);
  msg.set(u64(ctx.seq, 'context.seq'), o + 8);
  const digest = sha256(msg);
  digest[0] = (digest[0] as number) & 0x0f;
  return digest;
}

/** The context as a field element. */
export const contextField = (ctx: ProofContext): bigint => bytesToBigint(contextBytes(ctx));
