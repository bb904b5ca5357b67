/**
 * The five committed metrics, in circuit order (docs/zk.md "Public inputs"), and the bound slots:
 * the five metrics plus the cumulative training FLOP since genesis.
 */
export const METRIC_NAMES = [
  'trainingFlop',
  'largestRunFlop',
  'maxParams',
  'datasetTokens',
  'acceleratorHours',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const SLOT_NAMES = [...METRIC_NAMES, 'cumulativeTrainingFlop'] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

/** The committed metrics (the protocol's Metrics without `utilizationBps`, which stays in clear). */
export type ZkMetrics = Record<MetricName, bigint>;
