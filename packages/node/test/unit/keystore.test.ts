import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptKeystore, sealMemberKeystore } from '@pausenet/crypto';
import { parseGenesisYaml } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSelfIdentity } from '../../src/keystore.js';
import {
  makeTestNetwork,
  TEST_PASSPHRASE,
  TEST_PASSPHRASE_ENV,
  type TestNetwork,
} from '../helpers/network.js';

describe('member keystore', () => {
  let net: TestNetwork;
  let dir: string;
  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    dir = mkdtempSync(join(tmpdir(), 'pn-ks-'));
  });
  afterAll(() => {
    net?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a keystore that decrypts to anything but the member layout is a KEYSTORE_UNAVAILABLE ConfigError naming the file and BAD_SECRETS', () => {
    const genesis = parseGenesisYaml(readFileSync(net.genesisFile, 'utf8'));
    const file = join(dir, 'not-secrets.json');
    const plain = new TextEncoder().encode('{"version":1,"lab":"lab-a"}');
    writeFileSync(file, JSON.stringify(encryptKeystore(plain, 'pw', { scrypt: { n: 1024, r: 8, p: 1 } })));
    let err: unknown;
    try {
      loadSelfIdentity({ file, passphraseEnv: 'P' }, genesis, { P: 'pw' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('KEYSTORE_UNAVAILABLE');
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/BAD_SECRETS: keystore identitySecretKey must be 32 bytes hex/);
  });

  it('loads the member identity matched to genesis by public key; passphrase from env or file', () => {
    const genesis = parseGenesisYaml(readFileSync(net.genesisFile, 'utf8'));
    const file = join(net.members[0]?.dataDir as string, 'keystore.json');
    const self = loadSelfIdentity({ file, passphraseEnv: TEST_PASSPHRASE_ENV }, genesis, net.env);
    expect(self.lab).toBe('lab-a');
    expect(self.index).toBe(1);
    expect(self.blsShare).toEqual(net.shares[0]);
    const passFile = join(dir, 'pass');
    writeFileSync(passFile, `${TEST_PASSPHRASE}\n`);
    expect(loadSelfIdentity({ file, passphraseFile: passFile }, genesis, {}).lab).toBe('lab-a');
  });

  it('a passphrase read from the process environment is deleted from it; one handed over directly is never set', () => {
    const genesis = parseGenesisYaml(readFileSync(net.genesisFile, 'utf8'));
    const file = join(net.members[0]?.dataDir as string, 'keystore.json');
    process.env[TEST_PASSPHRASE_ENV] = TEST_PASSPHRASE;
    try {
      expect(loadSelfIdentity({ file, passphraseEnv: TEST_PASSPHRASE_ENV }, genesis).lab).toBe('lab-a');
      expect(process.env[TEST_PASSPHRASE_ENV]).toBeUndefined();
      const before = { ...process.env };
      expect(loadSelfIdentity({ file }, genesis, process.env, TEST_PASSPHRASE).lab).toBe('lab-a');
      expect(process.env).toEqual(before);
      expect(Object.values(process.env)).not.toContain(TEST_PASSPHRASE);
    } finally {
      delete process.env[TEST_PASSPHRASE_ENV];
    }
  });

  it('wrong passphrase, missing env, or a key that is not this member give clear ConfigErrors', () => {
    const genesis = parseGenesisYaml(readFileSync(net.genesisFile, 'utf8'));
    const file = join(net.members[0]?.dataDir as string, 'keystore.json');
    expect(() => loadSelfIdentity({ file, passphraseEnv: 'X' }, genesis, { X: 'nope' })).toThrowError(
      /WRONG_PASSPHRASE/,
    );
    expect(() => loadSelfIdentity({ file, passphraseEnv: 'UNSET_VAR' }, genesis, {})).toThrowError(
      /UNSET_VAR is not set/,
    );
    const lab = net.labs[1] as { id: string; secretKey: Uint8Array };
    const liar = join(dir, 'liar.json');
    const secrets = { lab: 'lab-a', index: 1, identitySecretKey: lab.secretKey, blsShare: null };
    writeFileSync(
      liar,
      JSON.stringify(sealMemberKeystore(secrets, 'pw', { scrypt: { n: 1024, r: 8, p: 1 } })),
    );
    let err: unknown;
    try {
      loadSelfIdentity({ file: liar, passphraseEnv: 'P' }, genesis, { P: 'pw' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/belongs to genesis member lab-b/);
  });
});
