/** @packageDocumentation Slurm halt hook (partitions, holds, suspend/checkpoint) and scheduler-based metering. */

export type {
  SlurmCheckpointEntry,
  SlurmHookDeps,
  SlurmRelaunchRecord,
  SlurmUndoRecord,
} from './adapter.js';
export {
  clockPassedRequeue,
  SLURM_RELAUNCH_HISTORY_MAX,
  SLURM_RELAUNCH_KEY,
  SLURM_UNDO_KEY,
  SlurmHook,
} from './adapter.js';
export type { SlurmHookConfig, SlurmHookConfigInput, SlurmReduceConfig, SlurmSelection } from './config.js';
export { matchesSelection, slurmHookConfigSchema, slurmReduceSchema } from './config.js';
export type {
  CommitmentRequestBody,
  MeteredMetrics,
  MeteredRun,
  MeteringResult,
  MeteringWindow,
  SlurmJobSource,
  SlurmMeteringConfig,
} from './metering.js';
export {
  acceleratorsOf,
  collectSlurmMetering,
  computeMetering,
  parseFlops,
  readSlurmJobs,
  SlurmMeteringError,
  submitCommitment,
  toCommitmentRequest,
} from './metering.js';
export type { ScontrolRecord, SlurmJob, SlurmLimitView, SlurmPartition } from './parse.js';
export {
  isHeld,
  parseAssocMgrLimit,
  parseGresList,
  parseJobs,
  parsePartitions,
  parseReservationNames,
  parseRunFacts,
  parseSacct,
  parseScontrolLine,
  parseScontrolRecords,
  parseSlurmDuration,
  parseSlurmTime,
  parseTresList,
  SACCT_FIELDS,
  tresCount,
} from './parse.js';
export type { SlurmLimitRecord, SlurmReduceRecord } from './reduce.js';
export { SLURM_REDUCE_KEY } from './reduce.js';
export type { SlurmCommandErrorCode, SlurmCommandRunner } from './runner.js';
export { classifySlurmStderr, createExecFileRunner, SlurmCommandError } from './runner.js';
