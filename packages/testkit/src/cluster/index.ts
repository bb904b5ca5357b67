/**
 * @packageDocumentation Nodes as processes (`@pausenet/testkit/cluster`): spawnNode starts one node process
 * with the kit's launcher (bin/node-main.mjs); a Cluster runs a network of them on 127.0.0.1, with faults
 * by signal and connection gater.
 */

export type { SpawnNodeOptions, StartedNode } from '../process.js';
export { NODE_LAUNCHER, parseStartedLine, spawnNode } from '../process.js';
export type { ClusterOptions, HarnessNode, Status } from './cluster.js';
export { CLUSTER_CAPS, Cluster, sleep, waitFor } from './cluster.js';
