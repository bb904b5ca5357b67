import {
  type DkgBundle,
  type DkgOutput,
  type DkgStepResult,
  decodeDkgBundle,
  dkgInitReshare,
  dkgStep,
  encodeDkgBundle,
} from '@pausenet/crypto';
import { reshareInputs, reshareRole } from '../../src/amend/build.js';
import type { RevisionChain } from '../../src/amend/chain.js';
import type { Amendment } from '../../src/amend/types.js';
import type { LabId } from '../../src/types.js';

/**
 * A real reshare (the @pausenet/crypto state machine) run in-process between the labs given, over an
 * in-memory broadcast in which every bundle goes through the CBOR codec: what `pausenet reshare` runs over
 * the network. Labs not listed are offline.
 */
export function runReshare(
  chain: RevisionChain,
  draft: Amendment,
  online: LabId[],
  keyOf: (lab: LabId) => Uint8Array,
  shareOf: (lab: LabId, revision: number) => Uint8Array,
): Map<LabId, DkgOutput> {
  const inputs = reshareInputs(chain, draft);
  const timeouts = { deal: 1_000, response: 1_000, justification: 1_000 };
  let now = 0;
  const states = new Map<LabId, DkgStepResult>();
  const done = new Map<LabId, DkgOutput>();
  const queue: { from: LabId; bytes: Uint8Array }[] = [];
  const absorb = (lab: LabId, r: DkgStepResult) => {
    states.set(lab, r);
    if (r.failed) throw new Error(`reshare failed at ${lab}: ${r.failed.message}`);
    if (r.done) done.set(lab, r.done);
    for (const b of r.out) queue.push({ from: lab, bytes: encodeDkgBundle(b as DkgBundle) });
  };
  for (const lab of online) {
    const role = reshareRole(chain, draft, lab);
    if (role === null) throw new Error(`${lab} has no part in this reshare`);
    absorb(
      lab,
      dkgInitReshare({
        ...inputs,
        now,
        timeouts,
        self: {
          secretKey: keyOf(lab),
          ...(role.index !== undefined && { index: role.index }),
          ...(role.previousIndex !== undefined && {
            previous: { index: role.previousIndex, secretShare: shareOf(lab, chain.head.revision) },
          }),
        },
      }),
    );
  }
  for (let guard = 0; guard < 100_000 && done.size < online.length; guard++) {
    const next = queue.shift();
    if (next) {
      for (const lab of online)
        if (lab !== next.from)
          absorb(
            lab,
            dkgStep(states.get(lab)!.state, { type: 'bundle', bundle: decodeDkgBundle(next.bytes) }, now),
          );
    } else {
      now += 250;
      for (const lab of online) absorb(lab, dkgStep(states.get(lab)!.state, { type: 'tick' }, now));
    }
  }
  if (done.size < online.length) throw new Error('reshare did not finish');
  return done;
}
