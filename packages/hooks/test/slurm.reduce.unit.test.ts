import { describe, expect, it } from 'vitest';
import {
  parseAssocMgrLimit,
  parseJobs,
  parseTresList,
  slurmHookConfigSchema,
  tresCount,
} from '../src/slurm/index.js';

// Recorded from Slurm 22.05.8 (scripts/slurm/start.sh cluster, AccountingStorageEnforce=associations,limits),
// 2026-12-06: `scontrol show assoc_mgr flags=qos qos=exp-q` with GrpTRES=cpu=4,gres/gpu=2 and two 1-GPU jobs
// running (one of them suspended: suspended jobs still count), and `... flags=assoc accounts=pausenet`.
const ASSOC_MGR_QOS = `Current Association Manager state

QOS Records

QOS=exp-q(2)
    UsageRaw=0.000000
    GrpJobs=N(0) GrpJobsAccrue=N(0) GrpSubmitJobs=N(0) GrpWall=N(0.00)
    GrpTRES=cpu=4(2),mem=N(0),energy=N(0),node=N(1),billing=N(2),fs/disk=N(0),vmem=N(0),pages=N(0),gres/gpu=2(2)
    GrpTRESMins=cpu=N(0),mem=N(0),energy=N(0),node=N(0),billing=N(0),fs/disk=N(0),vmem=N(0),pages=N(0),gres/gpu=N(0)
    MaxTRESPJ=
`;
const ASSOC_MGR_ACCOUNT = `Current Association Manager state

Association Records

ClusterName=pausenet Account=pausenet UserName= Partition= Priority=0 ID=3
    SharesRaw/Norm/Level/Factor=1/18446744073709551616.00/1/0.00
    ParentAccount=root(1) Lft=2 DefAssoc=No
    GrpJobs=N(0) GrpJobsAccrue=N(0)
    GrpTRES=cpu=N(0),mem=N(0),energy=N(0),node=N(0),billing=N(0),fs/disk=N(0),vmem=N(0),pages=N(0),gres/gpu=N(0)
ClusterName=pausenet Account=pausenet UserName=pausenet-slurm-admin(995) Partition= Priority=0 ID=5
    ParentAccount= Lft=3 DefAssoc=Yes
    GrpTRES=cpu=N(0),mem=N(0),energy=N(0),node=N(0),billing=N(0),fs/disk=N(0),vmem=N(0),pages=N(0),gres/gpu=7(0)
`;

describe('slurm reduce: parsing limits (recorded output)', () => {
  it('reads a TRES of a QOS GrpTRES as slurmctld enforces it: limit and use', () => {
    const q = { kind: 'qos', name: 'exp-q' } as const;
    expect(parseAssocMgrLimit(ASSOC_MGR_QOS, q, 'gres/gpu')).toEqual({ limit: 2, used: 2, tracked: true });
    expect(parseAssocMgrLimit(ASSOC_MGR_QOS, q, 'cpu')).toEqual({ limit: 4, used: 2, tracked: true });
    expect(parseAssocMgrLimit(ASSOC_MGR_QOS, q, 'node')).toEqual({ limit: null, used: 1, tracked: true });
    expect(parseAssocMgrLimit(ASSOC_MGR_QOS, q, 'gres/tpu')).toEqual({
      limit: null,
      used: 0,
      tracked: false,
    });
    expect(parseAssocMgrLimit(ASSOC_MGR_QOS, { kind: 'qos', name: 'exp' }, 'cpu')).toBeNull();
    expect(
      parseAssocMgrLimit(
        'Current Association Manager state\n\nNo QOS currently cached in Slurm.\n',
        q,
        'cpu',
      ),
    ).toBeNull();
  });

  it("reads an account's own association (no user, no partition), not its users'", () => {
    const a = { kind: 'account', name: 'pausenet', cluster: 'pausenet' } as const;
    expect(parseAssocMgrLimit(ASSOC_MGR_ACCOUNT, a, 'gres/gpu')).toEqual({
      limit: null,
      used: 0,
      tracked: true,
    });
    expect(parseAssocMgrLimit(ASSOC_MGR_ACCOUNT, { ...a, cluster: 'other' }, 'gres/gpu')).toBeNull();
  });

  it("parses TRES lists (GrpTRES, TRES, AllocTRES) keeping counts, and counts a job's TRES", () => {
    expect(parseTresList('cpu=4,gres/gpu=2')).toEqual({ cpu: 4, 'gres/gpu': 2 });
    expect(parseTresList('cpu=64,mem=512G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16')).toEqual({
      cpu: 64,
      node: 2,
      billing: 64,
      'gres/gpu': 16,
      'gres/gpu:h100': 16,
    });
    expect(parseTresList('')).toEqual({});
    const [running] = parseJobs(
      'JobId=4242 JobName=llm Priority=1000 Account=frontier QOS=train JobState=RUNNING Partition=gpu NumNodes=2 NumCPUs=64 TRES=cpu=64,mem=512G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16',
    );
    const [pending] = parseJobs(
      'JobId=10 JobName=q Priority=1 JobState=PENDING Partition=train NumNodes=1 NumCPUs=1 TRES=cpu=1,mem=24105M,node=1,billing=1 TresPerNode=gres:gpu:2',
    );
    expect([
      tresCount(running!, 'gres/gpu'),
      tresCount(running!, 'gres/gpu:h100'),
      tresCount(running!, 'cpu'),
    ]).toEqual([16, 16, 64]);
    // A pending job's TRES lists no gres yet: its request (TresPerNode x nodes) counts.
    expect([
      tresCount(pending!, 'gres/gpu'),
      tresCount(pending!, 'node'),
      tresCount(pending!, 'license/x'),
    ]).toEqual([2, 1, 0]);
  });

  it('validates the reduce section with messages that name the fix', () => {
    const base = { type: 'slurm', name: 's', partitions: ['train'] };
    const ok = slurmHookConfigSchema.parse({ ...base, reduce: { limit: 'qos', name: 'train', cap: 16 } });
    expect(ok.reduce).toEqual({ limit: 'qos', name: 'train', cap: 16, tres: 'gres/gpu', running: 'suspend' });
    expect(slurmHookConfigSchema.parse(base).reduce).toBeUndefined();
    const badTres = slurmHookConfigSchema.safeParse({
      ...base,
      reduce: { limit: 'qos', name: 't', cap: 1, tres: 'mem' },
    });
    expect(badTres.error?.issues[0]?.message).toMatch(/countable TRES as in GrpTRES, e\.g\. "gres\/gpu"/);
    const badKind = slurmHookConfigSchema.safeParse({
      ...base,
      reduce: { limit: 'partition', name: 't', cap: 1 },
    });
    expect(badKind.error?.issues[0]?.path).toEqual(['reduce', 'limit']);
    const negative = slurmHookConfigSchema.safeParse({
      ...base,
      reduce: { limit: 'qos', name: 't', cap: -1 },
    });
    expect(negative.error?.issues[0]?.path).toEqual(['reduce', 'cap']);
  });
});
