pragma circom 2.1.0;

// pausenet private commitment (docs/zk.md "Circuit"). One proof per signed commitment shows, without
// revealing any metric, that
//   - each of the five metrics is committed as Poseidon(value, blinding) and is < 2^N,
//   - each metric is <= its policy cap and <= the limit of the network's current level,
//   - the cumulative training FLOP since genesis equals the previous cumulative plus this epoch's,
//     is committed the same way and is <= its cap and level limit,
//   - the largest run never shrinks (>= the previous commitment's largest run),
//   - and it is bound to one context (network, lab, epoch, seq) so it cannot be replayed.
// Caps and limits are public inputs below 2^N, supplied by the verifier (values at or above 2^N - 1
// mean "no cap"); the verifier never needs to trust the prover for them.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

// Poseidon(value, blinding) === commitment, with value < 2^N.
template OpenCommitment(N) {
    signal input value;
    signal input blinding;
    signal input commitment;
    component bits = Num2Bits(N);
    bits.in <== value;
    component h = Poseidon(2);
    h.inputs[0] <== value;
    h.inputs[1] <== blinding;
    h.out === commitment;
}

// value <= cap and value <= limit; all three must already be < 2^N (LessEqThan's precondition).
template WithinBounds(N) {
    signal input value;
    signal input cap;
    signal input limit;
    component c = LessEqThan(N);
    c.in[0] <== value;
    c.in[1] <== cap;
    c.out === 1;
    component l = LessEqThan(N);
    l.in[0] <== value;
    l.in[1] <== limit;
    l.out === 1;
}

// K = 5 metrics in the order trainingFlop, largestRunFlop, maxParams, datasetTokens, acceleratorHours;
// bound slot 5 is the cumulative training FLOP.
template PausenetCommitment(N) {
    var K = 5;

    // ---- public inputs (this order is the public signal order, docs/zk.md "Public inputs") ----
    signal input context;
    signal input commitments[K];
    signal input cumulative;
    signal input prevCumulative;
    signal input prevLargestRun;
    signal input caps[K + 1];
    signal input limits[K + 1];

    // ---- private inputs (the openings) ----
    signal input values[K];
    signal input blindings[K];
    signal input cumulativeBlinding;
    signal input prevCumulativeValue;
    signal input prevCumulativeBlinding;
    signal input prevLargestRunValue;
    signal input prevLargestRunBlinding;

    component open[K];
    component bounds[K];
    for (var i = 0; i < K; i++) {
        open[i] = OpenCommitment(N);
        open[i].value <== values[i];
        open[i].blinding <== blindings[i];
        open[i].commitment <== commitments[i];
        bounds[i] = WithinBounds(N);
        bounds[i].value <== values[i];
        bounds[i].cap <== caps[i];
        bounds[i].limit <== limits[i];
    }

    // Running total: previous cumulative (opened) + this epoch's training FLOP. Both are < 2^N, so the
    // sum is < 2^(N+1) < p and does not wrap; the range check on the new total keeps it < 2^N.
    component prevCum = OpenCommitment(N);
    prevCum.value <== prevCumulativeValue;
    prevCum.blinding <== prevCumulativeBlinding;
    prevCum.commitment <== prevCumulative;
    component cum = OpenCommitment(N);
    cum.value <== prevCumulativeValue + values[0];
    cum.blinding <== cumulativeBlinding;
    cum.commitment <== cumulative;
    component cumBounds = WithinBounds(N);
    cumBounds.value <== prevCumulativeValue + values[0];
    cumBounds.cap <== caps[K];
    cumBounds.limit <== limits[K];

    // The largest run is cumulative: it never shrinks along the lab's chain.
    component prevLargest = OpenCommitment(N);
    prevLargest.value <== prevLargestRunValue;
    prevLargest.blinding <== prevLargestRunBlinding;
    prevLargest.commitment <== prevLargestRun;
    component grows = LessEqThan(N);
    grows.in[0] <== prevLargestRunValue;
    grows.in[1] <== values[1];
    grows.out === 1;

    // A public input that no constraint uses would not be bound by the proof (its verifying-key
    // term could be the identity); squaring it puts the context into the constraint system.
    signal contextSquared;
    contextSquared <== context * context;
}
