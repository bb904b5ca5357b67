import { readFileSync, statSync } from 'node:fs';
import { blsSign, blsVerify, recoverSignature } from '@pausenet/crypto';
import { loadSelfIdentity, parseNodeConfig } from '@pausenet/node';
import {
  encodeGenesis,
  hashSignedCommitment as hashOf,
  parseGenesisYaml,
  statementBytes,
  validateCertificate,
  validateCommitment,
  validateEvidence,
  validateVote,
} from '@pausenet/protocol';
import { describe, expect, it } from 'vitest';
import { writeTestNetwork } from '../src/files.js';
import {
  capBreach,
  certificate,
  commitmentChain,
  makeLabs,
  seededKey,
  signedVote,
  TEST_PASSPHRASE_ENV,
  testDealer,
  testGenesis,
} from '../src/index.js';

const msg = new TextEncoder().encode('statement');

describe('test setup', () => {
  it('every vitest config installs the Promise.withResolvers polyfill (Node 20 lacks it; libp2p calls it)', () => {
    const { promise, resolve } = (
      Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>; resolve: (v: T) => void } }
    ).withResolvers<number>();
    resolve(7);
    return expect(promise).resolves.toBe(7);
  });
});

describe('test dealer (TRUSTED: knows the group secret)', () => {
  it('any t of n shares recover the group signature; fewer do not', () => {
    const d = testDealer(5, 3);
    const partials = [1, 3, 5].map((index) => ({ index, signature: blsSign(d.shares[index - 1]!, msg) }));
    expect(blsVerify(d.groupPublicKey, msg, recoverSignature(partials, 3))).toBe(true);
    expect(blsVerify(d.groupPublicKey, msg, blsSign(d.groupSecret, msg))).toBe(true);
    expect(blsVerify(d.groupPublicKey, msg, recoverSignature(partials.slice(0, 2), 2))).toBe(false);
    expect(() => testDealer(3, 4)).toThrow(RangeError);
  });

  it('a seed fixes the keys (reproducible vectors); no seed gives fresh ones', () => {
    expect(testDealer(4, 3, { seed: 's' })).toEqual(testDealer(4, 3, { seed: 's' }));
    expect(testDealer(4, 3, { seed: 's' }).groupPublicKey).not.toEqual(
      testDealer(4, 3, { seed: 't' }).groupPublicKey,
    );
    expect(testDealer(4, 3).groupSecret).not.toEqual(testDealer(4, 3).groupSecret);
    // One secretSeed: one group key under other shares (a stand-in for a reshare).
    const a = testDealer(4, 3, { seed: 'a', secretSeed: 'k' });
    const b = testDealer(5, 4, { seed: 'b', secretSeed: 'k' });
    expect(a.groupPublicKey).toEqual(b.groupPublicKey);
    expect(a.shares[0]).not.toEqual(b.shares[0]);
  });
});

describe('genesis and fixtures', () => {
  it('labs: ids in genesis order, seeded keys are SHA-256("<seed>/<id>")', () => {
    const labs = makeLabs(28, { seed: 'x' });
    expect(labs.map((l) => l.id).slice(0, 3)).toEqual(['lab-a', 'lab-b', 'lab-c']);
    expect(labs[26]?.id).toBe('lab-27');
    expect(labs[1]?.secretKey).toEqual(seededKey('x', 'lab-b'));
  });

  it('every message the kit signs passes the protocol rules of its network', () => {
    const net = testGenesis({ labs: 4 });
    expect(net.threshold).toBe(3);
    expect(() => encodeGenesis(net.genesis)).not.toThrow();
    const now = Date.now();
    const ctx = { genesis: net.genesis, networkId: net.networkId, now };
    const [c0, c1] = commitmentChain(net, 'lab-a', 2, { firstEpoch: 100 });
    expect(validateCommitment(c0!, { ...ctx, historic: true })).toEqual({ ok: true });
    expect(
      validateCommitment(c1!, { ...ctx, historic: true, lastOfLab: { seq: 0, hash: hashOf(c0!) } }),
    ).toEqual({
      ok: true,
    });
    const breach = capBreach(net, 'lab-b', { reporter: 'lab-c', now });
    expect(validateEvidence(breach, ctx)).toEqual({ ok: true });
    const vote = signedVote(net, 'lab-d', { height: 1, evidence: [breach], issuedAt: now });
    expect(validateVote(vote, { ...ctx, currentHeight: 0 })).toEqual({ ok: true });
    const cert = certificate(net, { height: 1, signers: ['lab-d', 'lab-b', 'lab-a'] });
    expect(cert.signers).toEqual(['lab-a', 'lab-b', 'lab-d']);
    expect(validateCertificate(cert, { ...ctx, currentHeight: 0 })).toEqual({ ok: true });
    const resume = certificate(net, { height: 2, resolves: [] });
    expect(blsVerify(net.dealt!.groupPublicKey, statementBytes({ ...resume }), resume.signature)).toBe(true);
  });
});

describe('a test network on disk', () => {
  it('genesis.yaml, 0600 keystores the node opens, configs the node accepts', async () => {
    const files = await writeTestNetwork({ labs: 4, observers: 1, ports: true });
    try {
      const genesis = parseGenesisYaml(readFileSync(files.genesisFile, 'utf8'));
      expect(genesis.members.map((m) => m.peerIds[0])).toEqual(files.members.map((m) => m.peerId));
      expect(genesis.members[0]?.addrs).toEqual([files.members[0]?.addr]);
      const ks = files.members[2]!.keystoreFile!;
      expect(statSync(ks).mode & 0o777).toBe(0o600);
      const self = loadSelfIdentity({ file: ks, passphraseEnv: TEST_PASSPHRASE_ENV }, genesis, {
        ...files.env,
      });
      expect(self).toMatchObject({ lab: 'lab-c', index: 3, blsShare: files.dealt!.shares[2] });
      expect(parseNodeConfig(files.memberConfig(0)).role).toBe('member');
      const obs = parseNodeConfig(files.observerConfig(0));
      expect(obs.listen).toEqual([`/ip4/127.0.0.1/tcp/${files.observers[0]!.port}`]);
      expect(files.observers[0]?.id).toBe('observer-1');
    } finally {
      files.cleanup();
    }
  });
});
