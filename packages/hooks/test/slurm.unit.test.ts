import { buildRunsTree, metricsFromJson, runRecordFromJson } from '@pausenet/protocol';
import { describe, expect, it } from 'vitest';
import { createHook } from '../src/factory.js';
import {
  classifySlurmStderr,
  clockPassedRequeue,
  computeMetering,
  isHeld,
  matchesSelection,
  parseFlops,
  parseGresList,
  parseJobs,
  parsePartitions,
  parseReservationNames,
  parseRunFacts,
  parseSacct,
  parseScontrolLine,
  parseSlurmDuration,
  parseSlurmTime,
  type SlurmMeteringConfig,
  slurmHookConfigSchema,
  toCommitmentRequest,
} from '../src/slurm/index.js';
import { HookError } from '../src/types.js';

// Recorded from Slurm 22.05.8 (scripts/slurm/start.sh cluster), `scontrol show job -o -d` at 2026-11-28T01:05:57Z:
// job 8 finished (gpu:4, 4 s), 9 suspended after 2 s (gpu:2), 10 pending in train,infer, 11 running in infer.
const JOBS = [
  'JobId=8 JobName=pretrain 7b UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901749 Nice=0 Account=llm QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:04 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:05:51 EligibleTime=2026-11-28T01:05:51 AccrueTime=2026-11-28T01:05:51 StartTime=2026-11-28T01:05:52 EndTime=2026-11-28T01:05:56 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-28T01:05:52 Scheduler=Main Partition=train AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* JOB_GRES=gpu:4   Nodes=vm CPU_IDs=0 Mem=0 GRES= MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/slurm-8.out StdIn=/dev/null StdOut=/tmp/sl/slurm-8.out Power= TresPerNode=gres:gpu:4',
  'JobId=9 JobName=ft-run UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=0 Nice=0 Account=llm QOS=(null) JobState=SUSPENDED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:05:51 EligibleTime=2026-11-28T01:05:51 AccrueTime=2026-11-28T01:05:51 StartTime=2026-11-28T01:05:52 EndTime=Unknown Deadline=N/A SuspendTime=2026-11-28T01:05:54 SecsPreSuspend=2 LastSchedEval=2026-11-28T01:05:52 Scheduler=Main Partition=train AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* JOB_GRES=gpu:2   Nodes=vm CPU_IDs=1 Mem=0 GRES=gpu:2(IDX:4-5) MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/slurm-9.out StdIn=/dev/null StdOut=/tmp/sl/slurm-9.out Power= TresPerNode=gres:gpu:2',
  'JobId=10 JobName=queued UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901747 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=BeginTime Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:05:51 EligibleTime=2026-11-28T02:05:51 AccrueTime=2026-11-28T02:05:51 StartTime=2026-11-28T02:05:51 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-28T01:05:51 Scheduler=Main Partition=train,infer AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList= NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=24105M,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/slurm-10.out StdIn=/dev/null StdOut=/tmp/sl/slurm-10.out Power= TresPerNode=gres:gpu:1',
  'JobId=11 JobName=serve UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901746 Nice=0 Account=serve QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:05 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:05:51 EligibleTime=2026-11-28T01:05:51 AccrueTime=2026-11-28T01:05:51 StartTime=2026-11-28T01:05:52 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-28T01:05:52 Scheduler=Main Partition=infer AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* JOB_GRES=gpu:1   Nodes=vm CPU_IDs=2 Mem=0 GRES=gpu:1(IDX:6) MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/slurm-11.out StdIn=/dev/null StdOut=/tmp/sl/slurm-11.out Power= TresPerNode=gres:gpu:1',
].join('\n');

// `scontrol show partition -o` from the same cluster.
const PARTITIONS = [
  'PartitionName=train AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=vm PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=16 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=16,mem=24105M,node=1,billing=16',
  'PartitionName=infer AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=NO QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=vm PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=16 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=16,mem=24105M,node=1,billing=16',
].join('\n');

// After `scontrol requeuehold 12` (still COMPLETING) and an srun allocation (BatchFlag=0), same cluster.
const REQUEUED_AND_SRUN = [
  'JobId=12 JobName=rq UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=0 Nice=0 Account=(null) QOS=(null) JobState=COMPLETING Reason=job_requeued_in_held_state Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:06:02 EligibleTime=2026-11-28T01:06:02 AccrueTime=2026-11-28T01:06:02 StartTime=2026-11-28T01:06:05 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-28T01:06:02 Scheduler=Main Partition=train AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* JOB_GRES=(null)   Nodes=vm CPU_IDs=0 Mem=0 GRES= MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/slurm-12.out StdIn=/dev/null StdOut=/tmp/sl/slurm-12.out Power=',
  'JobId=13 JobName=interactive UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901744 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=0 Reboot=0 ExitCode=0:0 DerivedExitCode=0:0 RunTime=00:00:03 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-28T01:06:02 EligibleTime=2026-11-28T01:06:02 AccrueTime=2026-11-28T01:06:02 StartTime=2026-11-28T01:06:02 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-28T01:06:02 Scheduler=Main Partition=train AllocNode:Sid=localhost:3543 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* JOB_GRES=gpu:1   Nodes=vm CPU_IDs=1 Mem=0 GRES=gpu:1(IDX:0) MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=sleep WorkDir=/tmp/sl Power= TresPerNode=gres:gpu:1',
].join('\n');

// A cluster with accounting (slurmdbd, AccountingStorageTRES=gres/gpu) reports allocated GPUs in TRES;
// hand-written in the same format: 2 nodes x 8 GPUs, running 1 day 2 h, typed and untyped gres entries.
const WITH_ACCOUNTING =
  'JobId=4242 JobName=llm-70b UserId=alice(1000) GroupId=ml(1000) Priority=1000 Account=frontier QOS=train JobState=RUNNING Reason=None Requeue=1 Restarts=0 BatchFlag=1 RunTime=1-02:00:00 StartTime=2026-11-27T00:00:00 EndTime=2026-12-04T00:00:00 Partition=gpu NumNodes=2 NumCPUs=64 NumTasks=16 TRES=cpu=64,mem=512G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16 TresPerNode=gres:gpu:h100:8';

// One checkpointed job (signalled, exited, `scontrol requeuehold`), same cluster, 2026-12-06: as Slurm left it
// (begin time deferred), after `StartTime=now` in the second it was requeued in, and after it 1.2 s later.
const REQUEUED_STAMPS = ['2026-12-06T03:21:12', '2026-12-06T03:19:11', '2026-12-06T03:19:13'].map(
  (eligible) =>
    [
      'JobId=155 JobName=ckpt-demo UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=0 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=job_requeued_in_held_state Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=0:10 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A',
      `SubmitTime=2026-12-06T03:19:12 EligibleTime=${eligible} AccrueTime=Unknown StartTime=Unknown EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-06T03:19:11 Scheduler=Main Partition=exp`,
      'AllocNode:Sid=localhost:7947 ReqNodeList=(null) ExcNodeList=(null) NodeList= NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power=',
    ].join(' '),
);

const T = (iso: string) => Date.parse(`${iso}Z`);
const PEAK = 10n ** 15n; // 1 PFLOP/s per accelerator keeps the hand arithmetic readable
const cfg = (over: Partial<SlurmMeteringConfig> = {}): SlurmMeteringConfig => ({
  partitions: ['train'],
  accounts: [],
  qos: [],
  peakFlopsPerAccelerator: PEAK,
  utilizationBps: 4000,
  ...over,
});

describe('slurm parsing (recorded scontrol output)', () => {
  it('splits -o records on keys, keeping spaces inside values (job names)', () => {
    const r = parseScontrolLine(JOBS.split('\n')[0]!);
    expect(r['JobName']).toBe('pretrain 7b');
    expect(r['AllocNode:Sid']).toBe('localhost:3543');
    expect(r['CPUs/Task']).toBe('1');
    expect(r['JOB_GRES']).toBe('gpu:4');
    expect(r['Power']).toBe('');
  });

  it('parses jobs: states, holds, batch flag, times, gres', () => {
    const jobs = parseJobs(JOBS);
    expect(jobs.map((j) => [j.id, j.name, j.state, j.account])).toEqual([
      ['8', 'pretrain 7b', 'COMPLETED', 'llm'],
      ['9', 'ft-run', 'SUSPENDED', 'llm'],
      ['10', 'queued', 'PENDING', ''],
      ['11', 'serve', 'RUNNING', 'serve'],
    ]);
    const [j8, j9, j10, j11] = jobs as [
      (typeof jobs)[0],
      (typeof jobs)[0],
      (typeof jobs)[0],
      (typeof jobs)[0],
    ];
    expect(j8.startTime).toBe(T('2026-11-28T01:05:52') / 1000);
    expect(j8.endTime).toBe(T('2026-11-28T01:05:56') / 1000);
    expect(j8.runSeconds).toBe(4);
    expect(j8.gres).toEqual({ gpu: 4 });
    expect(j9.runSeconds).toBe(2);
    expect(j9.endTime).toBeNull();
    expect(j9.priority).toBe(0n);
    expect(isHeld(j9)).toBe(false); // suspended jobs show priority 0 but are not held
    expect(j10.partitions).toEqual(['train', 'infer']);
    expect(j10.gres).toEqual({ gpu: 1 }); // requested (TresPerNode x NumNodes)
    expect(isHeld(j10)).toBe(false);
    expect(j11.gres).toEqual({ gpu: 1 });
    expect(j11.batch).toBe(true);
    const [rq, srun] = parseJobs(REQUEUED_AND_SRUN) as [(typeof jobs)[0], (typeof jobs)[0]];
    expect(isHeld(rq)).toBe(true);
    expect(rq.restarts).toBe(1);
    expect(srun.batch).toBe(false);
    expect(srun.requeue).toBe(true);
    expect(parseJobs('No jobs in the system\n')).toEqual([]);
  });

  it('reads allocated GPUs from TRES when accounting reports them (untyped total only)', () => {
    const [j] = parseJobs(WITH_ACCOUNTING);
    expect(j?.gres).toEqual({ gpu: 16 });
    expect(j?.runSeconds).toBe(26 * 3600);
    expect(j?.numCpus).toBe(64);
  });

  it('parses gres lists, durations and times', () => {
    expect(parseGresList('gpu:a100:2(IDX:0,2),gpu:h100:1,nic:1')).toEqual({ gpu: 3, nic: 1 });
    expect(parseGresList('gres:gpu:4')).toEqual({ gpu: 4 });
    expect(parseGresList('gres/gpu=2,gres/gpu:a100=2')).toEqual({ gpu: 2 });
    expect(parseGresList('gpu')).toEqual({ gpu: 1 });
    expect(parseGresList('(null)')).toEqual({});
    expect(parseSlurmDuration('2-03:04:05')).toBe(2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(parseSlurmDuration('04:05')).toBe(245);
    expect(parseSlurmDuration('7')).toBe(7);
    expect(parseSlurmDuration('INVALID')).toBe(0);
    expect(parseSlurmTime('1970-01-02T00:00:01')).toBe(86401);
    expect(parseSlurmTime('Unknown')).toBeNull();
  });

  it('parses partitions and reservations', () => {
    expect(parsePartitions(PARTITIONS)).toEqual([
      { name: 'train', state: 'UP', nodes: 'vm' },
      { name: 'infer', state: 'UP', nodes: 'vm' },
    ]);
    expect(parseReservationNames('No reservations in the system\n')).toEqual([]);
    expect(
      parseReservationNames(
        'ReservationName=pausenet-halt StartTime=2026-11-28T01:01:55 EndTime=2027-11-28T01:01:55 Duration=365-00:00:00 Nodes=vm NodeCnt=1 Flags=MAINT,IGNORE_JOBS Users=root State=ACTIVE',
      ),
    ).toEqual(['pausenet-halt']);
  });

  it('reads the requeue stamp and slurmctld clock of a requeued job (release only once the clock passed it)', () => {
    const [deferred, sameSecond, later] = REQUEUED_STAMPS.map((l) => parseJobs(l)[0]!);
    expect(deferred?.submitTime).toBe(T('2026-12-06T03:19:12') / 1000);
    expect(deferred?.eligibleTime).toBe(T('2026-12-06T03:21:12') / 1000);
    expect(isHeld(deferred!)).toBe(true);
    // Slurm's own deferral is not a reading of its clock; resume always stamps StartTime=now first.
    expect([sameSecond, later].map((j) => clockPassedRequeue(j!))).toEqual([false, true]);
  });

  it('classifies Slurm stderr into typed codes', () => {
    expect(classifySlurmStderr('slurm_update error: Access/permission denied')).toBe('PERMISSION');
    expect(
      classifySlurmStderr('slurm_load_jobs error: Unable to contact slurm controller (connect failure)'),
    ).toBe('NETWORK');
    expect(classifySlurmStderr('slurm_suspend error: Invalid job id specified')).toBe('NOT_FOUND');
    expect(classifySlurmStderr('something else')).toBe('EXIT_CODE');
  });
});

describe('slurm job selection and hook config', () => {
  const jobs = parseJobs(JOBS);
  it('selects by partition, account, qos and name pattern (all given criteria must match)', () => {
    const pick = (sel: Partial<SlurmMeteringConfig>) =>
      jobs.filter((j) => matchesSelection(j, { ...cfg(), ...sel })).map((j) => j.id);
    expect(pick({})).toEqual(['8', '9', '10']);
    expect(pick({ partitions: ['infer'] })).toEqual(['10', '11']);
    expect(pick({ partitions: [], accounts: ['llm'] })).toEqual(['8', '9']);
    expect(pick({ namePattern: '^ft-' })).toEqual(['9']);
    expect(pick({ qos: ['high'] })).toEqual([]);
  });

  it('validates configs with messages that name the fix', () => {
    const ok = slurmHookConfigSchema.parse({ type: 'slurm', name: 'slurm', partitions: ['train'] });
    expect(ok.stopNew).toBe('inactive');
    expect(ok.running).toBe('suspend');
    expect([ok.relaunchAttempts, ok.relaunchSettleMs, ok.relaunchTimeoutMs]).toEqual([3, 2_000, 120_000]);
    const tooMany = slurmHookConfigSchema.safeParse({ ...ok, relaunchAttempts: 100 });
    expect(tooMany.error?.issues[0]?.path).toEqual(['relaunchAttempts']);
    const noPart = slurmHookConfigSchema.safeParse({ type: 'slurm', name: 's', accounts: ['llm'] });
    expect(noPart.success).toBe(false);
    expect(noPart.error?.issues[0]?.message).toMatch(/needs at least one partition/);
    const badRe = slurmHookConfigSchema.safeParse({
      type: 'slurm',
      name: 's',
      partitions: ['t'],
      namePattern: '(',
    });
    expect(badRe.error?.issues[0]?.message).toMatch(/regular expression/);
    const everything = slurmHookConfigSchema.safeParse({ type: 'slurm', name: 's', stopNew: 'reservation' });
    expect(everything.error?.issues[0]?.message).toMatch(/empty selection would stop every job/);
  });

  it('is built by the hooks factory; a bad config is a CONFIG HookError naming the field', () => {
    const h = createHook({ type: 'slurm', name: 'slurm', partitions: ['train'], running: 'checkpoint' });
    expect([h.type, h.name]).toEqual(['slurm', 'slurm']);
    let err: unknown;
    try {
      createHook({ type: 'slurm', name: 'slurm', running: 'freeze', partitions: ['train'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HookError);
    expect((err as HookError).code).toBe('CONFIG');
    expect((err as HookError).message).toMatch(/hook\.running: got "freeze"/);
  });
});

describe('slurm metering (recorded scontrol output, hand-computed)', () => {
  const jobs = parseJobs(JOBS);
  const window = { startMs: T('2026-11-28T01:05:00'), endMs: T('2026-11-28T01:06:00') };
  const now = T('2026-11-28T01:06:00');

  it('whole window: finished job by Start/End, suspended job by RunTime; pending and infer jobs excluded', () => {
    const r = computeMetering(jobs, cfg(), window, now);
    // job 8: 4 GPUs x 4 s = 16 GPU-s -> 16 x 1e15 x 0.4 = 6.4e15 FLOP
    // job 9: 2 GPUs x RunTime 2 s (then suspended) = 4 GPU-s -> 1.6e15 FLOP
    expect(r.runs.map((x) => [x.id, x.accelerators, x.seconds, x.acceleratorSeconds, x.flop])).toEqual([
      ['8', 4, 4, 16n, 6_400_000_000_000_000n],
      ['9', 2, 2, 4n, 1_600_000_000_000_000n],
    ]);
    expect(r.acceleratorSeconds).toBe(20n);
    expect(r.metrics).toEqual({
      trainingFlop: 8_000_000_000_000_000n,
      largestRunFlop: 6_400_000_000_000_000n,
      maxParams: 0n,
      datasetTokens: 0n,
      acceleratorHours: 1n, // ceil(20 / 3600)
      utilizationBps: 4000,
    });
  });

  it('window starting mid-job counts only the overlap; largestRunFlop counts the whole run', () => {
    const r = computeMetering(jobs, cfg(), { startMs: T('2026-11-28T01:05:54'), endMs: window.endMs }, now);
    // job 8: overlap 01:05:54..01:05:56 = 2 s x 4 = 8 GPU-s -> 3.2e15; whole run 16 GPU-s -> 6.4e15
    // job 9: ran 01:05:52..01:05:54 (RunTime 2 s), suspended since 01:05:54: nothing in this window; its run so
    // far is 2 s x 2 GPUs -> 1.6e15
    expect(r.runs.map((x) => [x.id, x.seconds, x.flop, x.totalFlop])).toEqual([
      ['8', 2, 3_200_000_000_000_000n, 6_400_000_000_000_000n],
      ['9', 0, 0n, 1_600_000_000_000_000n],
    ]);
    expect(r.metrics.trainingFlop).toBe(3_200_000_000_000_000n);
    expect(r.metrics.largestRunFlop).toBe(6_400_000_000_000_000n);
  });

  it('suspended time accrues nothing: a job suspended through the window, and one resumed, metered by when it ran', () => {
    // Recorded (scontrol show job -o, 2026-12-06 at 04:14:49): started 04:14:38, suspended 04:14:41..04:14:47,
    // running again since: RunTime 5 s, SuspendTime (the last resume) 04:14:47, SecsPreSuspend 3.
    const [resumed] = parseJobs(
      'JobId=971 JobName=exp-susp Priority=4294901700 Account=(null) QOS=normal JobState=RUNNING Reason=None BatchFlag=1 RunTime=00:00:05 StartTime=2026-12-06T04:14:38 EndTime=Unknown SuspendTime=2026-12-06T04:14:47 SecsPreSuspend=3 Partition=train NumNodes=1 NumCPUs=1 TRES=cpu=1,node=1,billing=1,gres/gpu=1',
    );
    const at = T('2026-12-06T04:14:49');
    const secs = (from: string, to: string) =>
      computeMetering(
        [resumed!],
        cfg(),
        { startMs: T(`2026-12-06T${from}`), endMs: T(`2026-12-06T${to}`) },
        at,
      ).runs[0]?.seconds ?? 0;
    expect(secs('04:14:42', '04:14:47')).toBe(0); // wholly inside the suspension
    expect(secs('04:14:38', '04:14:41')).toBe(3); // before it
    expect(secs('04:14:40', '04:14:48')).toBe(2); // 1 s before, 1 s after
    expect(secs('04:14:47', '04:14:49')).toBe(2); // after it
    expect(secs('04:14:00', '04:15:00')).toBe(5); // everything = RunTime
    // The same job as sacct shows it later (Suspended 6 s, but not when): the suspension is placed at the start,
    // so no run time is metered earlier than it can have happened; with slurmctld's SuspendTime it is exact.
    const [fromSacct] = parseSacct(
      '971|root|train|normal|COMPLETED|2026-12-06T04:14:38|2026-12-06T04:14:52|8|1|1|billing=1,cpu=1,gres/gpu=1,node=1|00:00:06||exp-susp',
    );
    const sacctSecs = (from: string, to: string, job = fromSacct!) =>
      computeMetering(
        [job],
        cfg(),
        { startMs: T(`2026-12-06T${from}`), endMs: T(`2026-12-06T${to}`) },
        at + 60_000,
      ).runs[0]?.seconds ?? 0;
    expect(sacctSecs('04:14:38', '04:14:44')).toBe(0);
    expect(sacctSecs('04:14:44', '04:14:52')).toBe(8);
    const enriched = { ...fromSacct!, suspendTime: T('2026-12-06T04:14:47') / 1000, secsPreSuspend: 3 };
    expect(sacctSecs('04:14:38', '04:14:44', enriched)).toBe(3);
    expect(sacctSecs('04:14:42', '04:14:47', enriched)).toBe(0);
    expect(sacctSecs('04:14:44', '04:14:52', enriched)).toBe(5);
  });

  it('a window before the jobs started meters nothing; CPU mode counts CPUs', () => {
    const early = computeMetering(
      jobs,
      cfg(),
      { startMs: T('2026-11-28T01:00:00'), endMs: T('2026-11-28T01:05:00') },
      now,
    );
    expect(early.runs).toEqual([]);
    expect(early.metrics.trainingFlop).toBe(0n);
    expect(early.metrics.acceleratorHours).toBe(0n);
    const cpu = computeMetering(jobs, cfg({ accelerator: 'cpu', utilizationBps: 10_000 }), window, now);
    // 1 CPU each: 4 s + 2 s = 6 CPU-s x 1e15 x 1.0
    expect(cpu.metrics.trainingFlop).toBe(6_000_000_000_000_000n);
  });

  it('exact bigint arithmetic at frontier scale (accounting TRES, 16 H100 for 26 h)', () => {
    const j = parseJobs(WITH_ACCOUNTING);
    const r = computeMetering(
      j,
      {
        partitions: ['gpu'],
        accounts: ['frontier'],
        qos: [],
        peakFlopsPerAccelerator: parseFlops('989e12'),
        utilizationBps: 4321,
        maxParams: 70_000_000_000n,
      },
      { startMs: T('2026-11-27T00:00:00'), endMs: T('2026-11-28T00:00:00') },
      T('2026-11-28T02:00:00'),
    );
    // in window: 16 GPUs x 86400 s = 1_382_400 GPU-s; x 989e12 x 4321 / 10000
    const inWindow = (1_382_400n * 989_000_000_000_000n * 4321n) / 10_000n;
    // whole run up to window end: RunTime 26 h caps the 24 h overlap -> same 86400 s
    expect(r.metrics.trainingFlop).toBe(inWindow);
    expect(r.metrics.trainingFlop).toBe(590_764_354_560_000_000_000n);
    expect(r.metrics.largestRunFlop).toBe(inWindow);
    expect(r.metrics.acceleratorHours).toBe(384n); // 1_382_400 / 3600
    expect(r.metrics.maxParams).toBe(70_000_000_000n);
    expect(r.runs[0]).toMatchObject({ id: '4242', name: 'llm-70b', accelerators: 16, seconds: 86400 });
    const body = toCommitmentRequest(r, 7);
    expect(body.metrics.trainingFlop).toBe('590764354560000000000');
    expect(body.runs).toEqual([
      {
        id: 'slurm:4242:llm-70b',
        flop: '590764354560000000000',
        params: '0',
        datasetTokens: '0',
        acceleratorHours: '384',
      },
    ]);
    expect(body.epoch).toBe(7);
    // The body is exactly what the protocol's JSON views accept (the node adds each record's salt).
    expect(metricsFromJson(body.metrics).trainingFlop).toBe(inWindow);
    const records = body.runs.map((x) => runRecordFromJson({ ...x, salt: '11'.repeat(32) }));
    expect(buildRunsTree(records).root).toHaveLength(32);
  });

  it('meters sacct output (accounting clusters): ElapsedRaw excludes suspended time', () => {
    // Hand-written in `sacct -X -P -n -o SACCT_FIELDS` format, at a scale the test cluster cannot run (its own
    // sacct output is metered by the live test): 4242 running 26 h on 16 GPUs; 4300 ran 1 h wall of which
    // 600 s suspended; 4301 is inference.
    const jobs = parseSacct(
      [
        '4242|frontier|gpu|train|RUNNING|2026-11-27T00:00:00|Unknown|93600|64|2|billing=64,cpu=64,gres/gpu=16,gres/gpu:h100=16,mem=512G,node=2|00:00:00|pausenet:params=70000000000,tokens=900|llm-70b',
        '4300|frontier|gpu|train|COMPLETED|2026-11-27T06:00:00|2026-11-27T07:00:00|3000|8|1|billing=8,cpu=8,gres/gpu=8,mem=64G,node=1|00:10:00|pausenet:params=1000,tokens=100|eval|ablation',
        '4301|serve|infer|normal|CANCELLED by 0|2026-11-27T01:00:00|2026-11-27T02:00:00|3600|8|1|cpu=8,gres/gpu=1,node=1|00:00:00||chat',
        '',
      ].join('\n'),
    );
    expect(jobs.map((j) => [j.id, j.name, j.state, j.gres['gpu'], j.runSeconds])).toEqual([
      ['4242', 'llm-70b', 'RUNNING', 16, 93600],
      ['4300', 'eval|ablation', 'COMPLETED', 8, 3000],
      ['4301', 'chat', 'CANCELLED', 1, 3600],
    ]);
    const r = computeMetering(
      jobs,
      cfg({ partitions: ['gpu'], utilizationBps: 5000 }),
      { startMs: T('2026-11-27T00:00:00'), endMs: T('2026-11-28T00:00:00') },
      T('2026-11-28T02:00:00'),
    );
    // 4242: 16 x min(86400 overlap, 93600) = 1_382_400 GPU-s; 4300: 8 x min(3600, 3000) = 24_000 GPU-s
    expect(r.runs.map((x) => [x.id, x.acceleratorSeconds])).toEqual([
      ['4242', 1_382_400n],
      ['4300', 24_000n],
    ]);
    expect(r.metrics.trainingFlop).toBe(703_200_000_000_000_000_000n); // 1_406_400 x 1e15 x 0.5
    expect(r.metrics.largestRunFlop).toBe(691_200_000_000_000_000_000n); // 1_382_400 x 1e15 x 0.5
    expect(r.metrics.acceleratorHours).toBe(391n); // ceil(1_406_400 / 3600) = ceil(390.67)
    // Declared in the jobs' comments: max params, summed tokens.
    expect(r.metrics.maxParams).toBe(70_000_000_000n);
    expect(r.metrics.datasetTokens).toBe(1000n);
    expect(r.runs.map((x) => [x.recordId, x.acceleratorHours])).toEqual([
      ['slurm:4242:llm-70b', 384n],
      ['slurm:4300:eval|ablation', 7n], // ceil(24000 / 3600) = ceil(6.67)
    ]);
  });

  it('reads model facts from job comments', () => {
    expect(parseRunFacts('pausenet:params=7000000000,tokens=2000000')).toEqual({
      params: 7_000_000_000n,
      tokens: 2_000_000n,
    });
    expect(parseRunFacts('nightly pausenet:tokens=5')).toEqual({ params: 0n, tokens: 5n });
    expect(parseRunFacts('params=9')).toEqual({ params: 0n, tokens: 0n });
  });

  it('rejects bad metering config with the field, value and fix', () => {
    expect(() => computeMetering(jobs, cfg({ utilizationBps: 12_000 }), window, now)).toThrow(
      /utilizationBps: got 12000/,
    );
    expect(() => parseFlops('9.89e14')).toThrow(/expected digits/);
    expect(parseFlops(1000)).toBe(1000n);
  });
});
