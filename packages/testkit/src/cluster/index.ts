/**
 * @packageDocumentation Nodes as processes (`@pausenet/testkit/cluster`): a Cluster of real node processes
 * on 127.0.0.1, each started by the launcher bin/node-main.mjs, with faults by signal and connection gater.
 */

export type { ClusterOptions, HarnessNode, Status } from './cluster.js';
export { CLUSTER_CAPS, Cluster, sleep, waitFor } from './cluster.js';
