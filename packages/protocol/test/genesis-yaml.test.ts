import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GenesisConfigError } from '../src/errors.js';
import { genesisToYaml, parseGenesisYaml, parseQuantity } from '../src/genesis-yaml.js';
import { networkIdOf } from '../src/signing.js';
import { genesis } from './helpers/fixtures.js';

const examplePath = new URL('../../../configs/genesis.example.yaml', import.meta.url);
const example = readFileSync(examplePath, 'utf8');

function issuesOf(text: string) {
  try {
    parseGenesisYaml(text);
  } catch (e) {
    expect(e).toBeInstanceOf(GenesisConfigError);
    return (e as GenesisConfigError).issues;
  }
  throw new Error('expected GenesisConfigError');
}

describe('genesis YAML', () => {
  it('parses configs/genesis.example.yaml: 4 labs, t=3, exact 1e26 FLOP cap, durations', () => {
    const g = parseGenesisYaml(example);
    expect(g.members.map((m) => m.id)).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d']);
    expect(g.threshold).toBe(3);
    expect(g.policy.caps.trainingFlop).toBe(10n ** 26n);
    expect(g.policy.caps.maxParams).toBe(2n * 10n ** 12n);
    expect(g.policy.epochMs).toBe(7 * 86_400_000);
    expect(g.policy.genesisTime).toBe(Date.UTC(2026, 0, 5));
    expect(g.dkg).toBeUndefined();
    expect(networkIdOf(g)).toHaveLength(32);
  });
  it('genesisToYaml round-trips exactly (same network id)', () => {
    for (const g of [genesis, parseGenesisYaml(example)]) {
      const back = parseGenesisYaml(genesisToYaml(g));
      expect(back).toEqual(g);
      expect(networkIdOf(back)).toEqual(networkIdOf(g));
    }
  });
  it('a bad hex key names the field, the value and the expectation', () => {
    const issues = issuesOf(example.replace('2a9397b7ecfff77a', 'zz9397b7ecfff77a'));
    expect(issues[0]).toMatchObject({ path: 'members[0].publicKey' });
    expect(issues[0]!.value).toContain('zz9397b7');
    expect(issues[0]!.expected).toContain('64 hex characters');
  });
  it('an unquoted 1e26 (YAML float) is refused with the fix', () => {
    const issues = issuesOf(example.replace('trainingFlop: "1e26"', 'trainingFlop: 1e26'));
    expect(issues[0]).toMatchObject({ path: 'policy.caps.trainingFlop', value: '1e+26' });
    expect(issues[0]!.expected).toContain('quoted string like "1e26"');
  });
  it('unknown keys, missing keys and bad durations are reported together', () => {
    const text = example.replace('threshold: 3', 'treshold: 3').replace('epochMs: 7d', 'epochMs: 7 days');
    const issues = issuesOf(text);
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('threshold');
    expect(paths).toContain('policy.epochMs');
    expect(issues.find((i) => i.path === 'threshold')!.value).toBe('(missing)');
    expect(issues.find((i) => i.path === 'treshold')).toMatchObject({ value: '3' });
  });
  it('semantic rules (n/2 < t <= n) are reported with path and value', () => {
    const issues = issuesOf(example.replace('threshold: 3', 'threshold: 2'));
    expect(issues[0]).toMatchObject({ path: 'threshold', value: '2' });
    expect(issues[0]!.expected).toContain('n/2 < t <= n');
  });
  it('field bounds (id pattern) are reported with path and value', () => {
    const issues = issuesOf(example.replace('id: lab-c', 'id: Lab_C'));
    expect(issues[0]).toMatchObject({ path: 'members[2].id', value: '"Lab_C"' });
  });
  it('a version-1 genesis is refused with what to do; judged-evidence limits default to 8 and 30', () => {
    const issues = issuesOf(example.replace('version: 2', 'version: 1'));
    expect(issues[0]).toMatchObject({ path: 'version', value: '1' });
    expect(issues[0]!.expected).toContain('protocol version 2');
    expect(issues[0]!.expected).toContain('pausenet genesis create');
    const g = parseGenesisYaml(
      example.replace('  judgedQuotaPerEpoch: 8\n', '').replace('  judgedMaxAgeEpochs: 30\n', ''),
    );
    expect([g.policy.judgedQuotaPerEpoch, g.policy.judgedMaxAgeEpochs]).toEqual([8, 30]);
    expect(issuesOf(example.replace('judgedQuotaPerEpoch: 8', 'judgedQuotaPerEpoch: 0'))[0]).toMatchObject({
      path: 'policy.judgedQuotaPerEpoch',
    });
  });
  it('invalid YAML is a GenesisConfigError too', () => {
    expect(issuesOf('members: [unclosed')[0]!.expected).toContain('valid YAML');
  });
  it('parseQuantity is exact', () => {
    expect(parseQuantity('1e26')).toBe(10n ** 26n);
    expect(parseQuantity('2.5e25')).toBe(25n * 10n ** 24n);
    expect(parseQuantity('100_000')).toBe(100_000n);
    expect(parseQuantity('1.5e0')).toBeNull();
    expect(parseQuantity('-1')).toBeNull();
    expect(parseQuantity('abc')).toBeNull();
  });
  it('levels, limits, receipts and pledges are optional; when written they parse with defaults and round trip', () => {
    const text = example.replace(
      'resumeNeedsApproval: true',
      [
        'resumeNeedsApproval: true',
        '  levels:',
        '    kinds: { missed: REDUCED }',
        '    caps: { trainingFlop: REDUCED }',
        '  limits:',
        '    REDUCED: { trainingFlop: "1e25", acceleratorHoursBps: 5000 }',
        '    PAUSED: { trainingFlop: "1e24", largestRunGrowthBps: 0 }',
        '  baselineEpochs: 4',
        '  receiptDeadlineMs: 10m',
        '  onBrokenCondition: release',
      ].join('\n'),
    );
    const g = parseGenesisYaml(text);
    expect(g.policy).toMatchObject({
      levels: { kinds: { missed: 'REDUCED' }, caps: { trainingFlop: 'REDUCED' } },
      limits: {
        REDUCED: { trainingFlop: 10n ** 25n, acceleratorHoursBps: 5_000 },
        PAUSED: { trainingFlop: 10n ** 24n, largestRunGrowthBps: 0 },
      },
      baselineEpochs: 4,
      receiptDeadlineMs: 600_000,
      onBrokenCondition: 'release',
    });
    expect(parseGenesisYaml(genesisToYaml(g))).toEqual(g);
    // Absent: the genesis is exactly what it was before these fields existed.
    expect(parseGenesisYaml(example).policy).not.toHaveProperty('levels');
    const bad = issuesOf(
      text.replace('missed: REDUCED', 'missed: RUNNING').replace('baselineEpochs: 4', 'baselineEpochs: 9'),
    );
    expect(bad.map((i) => i.path).sort()).toEqual(['policy.levels.kinds.missed']);
    const nine = issuesOf(text.replace('baselineEpochs: 4', 'baselineEpochs: 9'));
    expect(nine[0]).toMatchObject({ path: 'policy.baselineEpochs', value: '9' });
    const looser = issuesOf(text.replace('trainingFlop: "1e24"', 'trainingFlop: "1e26"'));
    expect(looser[0]).toMatchObject({ path: 'policy.limits.PAUSED.trainingFlop' });
    expect(looser[0]!.expected).toContain("looser than REDUCED's");
  });
});
