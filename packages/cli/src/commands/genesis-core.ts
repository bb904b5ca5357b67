import {
  ceremonyIdOf,
  DEFAULT_JUDGED_MAX_AGE_EPOCHS,
  DEFAULT_JUDGED_QUOTA_PER_EPOCH,
  type Genesis,
  networkIdOf,
  toHex,
} from '@pausenet/protocol';

/** Default policy for `genesis create` (edit the file or pass --policy to change). */
export function defaultPolicy(now: number): Record<string, unknown> {
  return {
    genesisTime: new Date(Math.floor(now / 86_400_000) * 86_400_000).toISOString().replace('.000Z', 'Z'),
    epochMs: '1d',
    deadlineMs: '6h',
    graceMs: '6h',
    caps: { trainingFlop: '1e26', largestRunFlop: '1e25', maxParams: '2e12', datasetTokens: '1e14' },
    autoVote: ['cap-exceeded', 'equivocation'],
    approvalRequired: ['missed', 'report'],
    resumeNeedsApproval: true,
    auditors: [],
    judgedQuotaPerEpoch: DEFAULT_JUDGED_QUOTA_PER_EPOCH,
    judgedMaxAgeEpochs: DEFAULT_JUDGED_MAX_AGE_EPOCHS,
  };
}

/** A summary of a genesis for humans and --json. */
export function genesisSummary(g: Genesis) {
  return {
    name: g.name,
    networkId: toHex(networkIdOf(g)),
    ceremonyId: toHex(ceremonyIdOf(g)),
    threshold: g.threshold,
    members: g.members.map((m) => ({ id: m.id, index: m.index, peerIds: m.peerIds, addrs: m.addrs })),
    dkg: g.dkg
      ? { groupPublicKey: toHex(g.dkg.groupPublicKey), transcriptHash: toHex(g.dkg.transcriptHash) }
      : null,
  };
}
