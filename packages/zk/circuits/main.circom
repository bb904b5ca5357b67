pragma circom 2.1.0;

include "commitment.circom";

// N = 252 bits: the widest range circomlib's comparators support on BN254 (docs/zk.md "Range").
component main {public [context, commitments, cumulative, prevCumulative, prevLargestRun, caps, limits]} = PausenetCommitment(252);
