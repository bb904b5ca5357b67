import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseNodeConfig } from '@pausenet/node';
import { parseGenesisYaml } from '@pausenet/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { run, TempDirs } from './helpers.js';

const tmp = new TempDirs();
afterAll(() => tmp.cleanup());

/** The README's "Running a real node" section, and its fenced yaml blocks (in order). */
async function guide(): Promise<{ text: string; yaml: string[] }> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Running a real node');
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end);
  const yaml = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) =>
    // blocks sit in a numbered list: drop the list indentation
    m[1]!.replace(/^ {3}/gm, ''),
  );
  return { text, yaml };
}

describe('the README guide to a real node works as written', { timeout: 120_000 }, () => {
  it('its policy block makes a genesis with init entries; its member config block is a valid config', async () => {
    const { text, yaml } = await guide();
    expect(yaml).toHaveLength(2);
    const dir = await tmp.make();
    // init's output is the entry file the guide names; the config has another name
    expect(text).toMatch(/> lab-a\.entry\.yaml/);
    expect(text).toMatch(/--member lab-a\.entry\.yaml/);
    expect(text).toMatch(/dkg --config\s+\/etc\/pausenet\/member\.yaml/);
    const init = await run(['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], {
      env: { PAUSENET_PASSPHRASE: 'guide test passphrase' },
    });
    expect(init.code, init.stderr).toBe(0);
    await writeFile(join(dir, 'lab-a.entry.yaml'), init.stdout);
    await writeFile(join(dir, 'policy.yaml'), yaml[0]!);
    const out = join(dir, 'genesis.yaml');
    const g = await run([
      'genesis',
      'create',
      '--name',
      'frontier-pause',
      '--member',
      join(dir, 'lab-a.entry.yaml'),
      '--threshold',
      '1',
      '--policy',
      join(dir, 'policy.yaml'),
      '--out',
      out,
    ]);
    expect(g.code, g.stderr).toBe(0);
    const genesis = parseGenesisYaml(await readFile(out, 'utf8'));
    expect(genesis.policy).toMatchObject({
      genesisTime: Date.parse('2026-07-01T00:00:00Z'),
      epochMs: 86_400_000,
      deadlineMs: 6 * 3_600_000,
      graceMs: 6 * 3_600_000,
    });
    const config = parseNodeConfig(parseYaml(yaml[1]!));
    expect(config).toMatchObject({
      role: 'member',
      dataDir: '/var/lib/pausenet',
      genesisFile: '/var/lib/pausenet/genesis.yaml',
    });
    // the writable genesis copy lives in the data dir, which is the only place the service may write
    expect(config.genesisFile.startsWith(`${config.dataDir}/`)).toBe(true);
  });

  it('the rehearsal setting it names is a valid policy', async () => {
    const { text } = await guide();
    expect(text).toMatch(/`epochMs: 5m`, `deadlineMs: 2m`, `graceMs: 1m`/);
    const dir = await tmp.make();
    const init = await run(['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], {
      env: { PAUSENET_PASSPHRASE: 'guide test passphrase' },
    });
    await writeFile(join(dir, 'a.yaml'), init.stdout);
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    await writeFile(
      join(dir, 'policy.yaml'),
      `policy:\n  genesisTime: ${hour}\n  epochMs: 5m\n  deadlineMs: 2m\n  graceMs: 1m\n  caps: {trainingFlop: "1e26", largestRunFlop: "1e25", maxParams: "2e12", datasetTokens: "1e14"}\n`,
    );
    const g = await run([
      'genesis',
      'create',
      '--name',
      'rehearsal',
      '--member',
      join(dir, 'a.yaml'),
      '--policy',
      join(dir, 'policy.yaml'),
      '--out',
      join(dir, 'genesis.yaml'),
    ]);
    expect(g.code, g.stderr).toBe(0);
  });
});
