import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Genesis, PROTOCOL_VERSION } from '@pausenet/protocol';
import { stringify } from 'yaml';
import { ensureNodeKey, initMember, type MemberInfo } from '../commands/init-core.js';
import { parseGenesisText, writeGenesis } from '../io/genesis.js';
import { DEVNET_SCRYPT } from '../io/keystore.js';
import { freePorts } from './ports.js';
import type { DevnetNode, Scenario } from './types.js';

export const DEVNET_PASSPHRASE = 'devnet-only-not-a-secret';

/** Lab ids a, b, c, ... then lab-27, lab-28, ... */
export function labId(i: number): string {
  return i < 26 ? `lab-${String.fromCharCode(97 + i)}` : `lab-${i + 1}`;
}

/** Devnet caps: the breach commitment exceeds largestRunFlop. */
export const DEVNET_CAPS = {
  trainingFlop: '1e26',
  largestRunFlop: '1e25',
  maxParams: '2e12',
  datasetTokens: '1e14',
};

export interface DevnetLayout {
  root: string;
  passphraseFile: string;
  genesisFile: string;
  hookScript: string;
  labs: DevnetNode[];
  observers: DevnetNode[];
  genesis: Genesis;
}

/** Policy timing per scenario: `missed` needs short epochs so a deadline passes during the demo. */
function policyFor(scenario: Scenario, now: number) {
  if (scenario === 'missed') return { genesisTime: now, epochMs: 6_000, deadlineMs: 1_000, graceMs: 500 };
  return { genesisTime: now, epochMs: 3_600_000, deadlineMs: 600_000, graceMs: 600_000 };
}

/**
 * The exec hook: appends "<action> <height> <level>" to a log file in the lab's data dir (runs are counted
 * from it, and the level shows what the hook was told: docs/hooks.md "exec").
 */
const HOOK_SCRIPT = `// devnet halt hook: one line per run, so runs can be counted.
import { appendFileSync } from 'node:fs';
const e = process.env;
appendFileSync(process.argv[2], \`\${e.PAUSENET_ACTION} \${e.PAUSENET_HEIGHT} \${e.PAUSENET_LEVEL}\\n\`);
`;

/**
 * The reduce scenario's policy: a run over the largest-run cap (the devnet's breach) leads to REDUCED,
 * every other breach still to PAUSED (docs/protocol.md "Levels").
 */
export const REDUCE_LEVELS = { caps: { largestRunFlop: 'REDUCED' } } as const;

export interface SetupOptions {
  root: string;
  labs: number;
  observers: number;
  threshold: number;
  scenario: Scenario;
  /** Hook configs added to lab 1 (e.g. the Slurm adapter). */
  extraHooksLab1?: Record<string, unknown>[];
}

/** Create keys, genesis (pre-DKG), per-node configs and the hook script for a devnet. */
export async function setupDevnet(o: SetupOptions): Promise<DevnetLayout> {
  const { root } = o;
  const passphraseFile = join(root, 'passphrase');
  await writeFile(passphraseFile, DEVNET_PASSPHRASE, { mode: 0o600 });
  const hookScript = join(root, 'hook-log.mjs');
  await writeFile(hookScript, HOOK_SCRIPT);
  const ports = await freePorts(o.labs + o.observers);
  const take = () => ports.shift()!;

  const infos: MemberInfo[] = [];
  const labs: DevnetNode[] = [];
  await Promise.all(
    Array.from({ length: o.labs }, async (_, i) => {
      const id = labId(i);
      const dataDir = join(root, id);
      const p2pPort = ports[i]!;
      const info = await initMember({
        dataDir,
        lab: id,
        index: i + 1,
        name: `Lab ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i + 1 : ''}`,
        passphrase: DEVNET_PASSPHRASE,
        addrs: [`/ip4/127.0.0.1/tcp/${p2pPort}`],
        scrypt: DEVNET_SCRYPT,
      });
      infos[i] = info;
      labs[i] = {
        id,
        role: 'member',
        index: i + 1,
        dataDir,
        configFile: join(dataDir, 'config.yaml'),
        genesisFile: join(dataDir, 'genesis.yaml'),
        p2pPort,
        peerId: info.peerIds[0]!,
        addr: info.addrs[0]!,
        api: { url: '' },
        hookLog: join(dataDir, 'hook-runs.log'),
      };
    }),
  );
  ports.splice(0, o.labs);
  const observers: DevnetNode[] = [];
  for (let j = 0; j < o.observers; j++) {
    const id = `observer-${j + 1}`;
    const dataDir = join(root, id);
    const p2pPort = take();
    const peerId = await ensureNodeKey(dataDir);
    observers.push({
      id,
      role: 'observer',
      index: 0,
      dataDir,
      configFile: join(dataDir, 'config.yaml'),
      genesisFile: join(root, 'genesis.yaml'),
      p2pPort,
      peerId,
      addr: `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${peerId}`,
      api: { url: '' },
      hookLog: join(dataDir, 'hook-runs.log'),
    });
  }

  const now = Date.now();
  const text = stringify(
    {
      version: PROTOCOL_VERSION,
      name: `devnet-${o.scenario}`,
      threshold: o.threshold,
      members: infos,
      policy: {
        ...policyFor(o.scenario, now),
        caps: DEVNET_CAPS,
        autoVote: ['cap-exceeded', 'equivocation'],
        approvalRequired: ['missed', 'report'],
        resumeNeedsApproval: true,
        auditors: [],
        ...(o.scenario === 'reduce' ? { levels: REDUCE_LEVELS } : {}),
      },
    },
    { lineWidth: 0 },
  );
  const genesisFile = join(root, 'genesis.yaml');
  const genesis = parseGenesisText(text, genesisFile);
  await writeGenesis(genesisFile, genesis);
  for (const l of labs) await copyFile(genesisFile, l.genesisFile);

  const labAddrs = labs.map((l) => l.addr);
  for (const [i, l] of labs.entries()) {
    const hooks: Record<string, unknown>[] = [
      {
        type: 'exec',
        name: 'devnet-log',
        command: process.execPath,
        args: [hookScript, l.hookLog],
        timeoutMs: 10_000,
        // REDUCED runs the script with PAUSENET_ACTION=reduce (the default holds it like PAUSED)
        onReduce: 'reduce',
      },
      ...(i === 0 ? (o.extraHooksLab1 ?? []) : []),
    ];
    await writeConfig(l, {
      role: 'member',
      bootstrap: labAddrs.filter((a) => a !== l.addr),
      keystore: { file: join(l.dataDir, 'keystore.json'), passphraseFile },
      hooks,
    });
  }
  for (const ob of observers) await writeConfig(ob, { role: 'observer', bootstrap: labAddrs, hooks: [] });
  return { root, passphraseFile, genesisFile, hookScript, labs, observers, genesis };
}

async function writeConfig(n: DevnetNode, extra: Record<string, unknown>): Promise<void> {
  await mkdir(n.dataDir, { recursive: true });
  const config = {
    role: extra.role,
    dataDir: n.dataDir,
    genesisFile: n.genesisFile,
    listen: [`/ip4/127.0.0.1/tcp/${n.p2pPort}`],
    bootstrap: extra.bootstrap,
    api: { host: '127.0.0.1', port: 0 },
    ...(extra.keystore ? { keystore: extra.keystore } : {}),
    hooks: extra.hooks,
    sync: { intervalMs: 1_000, timeoutMs: 5_000, maxBatch: 256 },
    logLevel: 'info',
  };
  await writeFile(n.configFile, stringify(config, { lineWidth: 0 }));
}
