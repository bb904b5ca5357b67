import { toHex } from '../bytes.js';
import type { BreachKey, Genesis, LabId } from '../types.js';

/**
 * Conditional pledges (docs/protocol.md "Conditional pledges"). A lab participates while no `missed`
 * breach stands against it and it has no unresolved `pause-violation`. A lab's pledge holds while every
 * lab it depends on participates. Pure: every node computes it from its store; the proof names the labs
 * and breach ids that broke the condition.
 */

/** A breach the node holds open (not resolved by a certified step down), with what it is. */
export interface StandingBreach {
  id: Uint8Array;
  key: BreachKey;
}

export interface PledgeCondition {
  lab: LabId;
  /** false for a lab without a pledge condition in genesis (its pledge is unconditional). */
  conditional: boolean;
  /** The labs it depends on (every other member for "all"), in member order. */
  dependsOn: LabId[];
  holds: boolean;
  /** The proof when broken: each depended-on lab not participating, with the breach ids (hex, ascending). */
  brokenBy: { lab: LabId; breaches: string[] }[];
}

/** Breach kinds that end a lab's participation. */
const ENDS_PARTICIPATION = new Set<BreachKey['kind']>(['missed', 'pause-violation']);

/**
 * Labs that do not participate, with the breach ids (hex, ascending) that show it. `standing` are the
 * node's open breaches; a `missed` the node itself refutes (it holds an on-time commitment for that epoch)
 * should be left out by the caller.
 */
export function nonParticipating(standing: Iterable<StandingBreach>): Map<LabId, string[]> {
  const out = new Map<LabId, string[]>();
  for (const b of standing) {
    if (!ENDS_PARTICIPATION.has(b.key.kind)) continue;
    const lab = b.key.kind === 'report' ? b.key.subject : b.key.lab;
    out.set(lab, [...(out.get(lab) ?? []), toHex(b.id)]);
  }
  for (const ids of out.values()) ids.sort();
  return out;
}

/** Every member's pledge condition, in member order. */
export function pledgeConditions(genesis: Genesis, standing: Iterable<StandingBreach>): PledgeCondition[] {
  const out = nonParticipating(standing);
  return genesis.members.map((m) => {
    const deps = m.pledge?.dependsOn;
    const dependsOn =
      deps === undefined
        ? []
        : deps === 'all'
          ? genesis.members.filter((x) => x.id !== m.id).map((x) => x.id)
          : genesis.members.filter((x) => deps.includes(x.id)).map((x) => x.id);
    const brokenBy = dependsOn.flatMap((lab) => {
      const breaches = out.get(lab);
      return breaches === undefined ? [] : [{ lab, breaches }];
    });
    return { lab: m.id, conditional: deps !== undefined, dependsOn, holds: brokenBy.length === 0, brokenBy };
  });
}
