/** Gossip topic and req/resp protocol names (docs/protocol.md "Topics and gossip validation"). */

export const GOSSIP_KINDS = ['commitments', 'evidence', 'votes', 'certificates', 'receipts'] as const;
export type GossipKind = (typeof GOSSIP_KINDS)[number];

export const REQRESP_METHODS = [
  'status',
  'commitments-by-range',
  'certificates-by-range',
  'votes',
  'evidence',
  'receipts',
] as const;
export type ReqRespMethod = (typeof REQRESP_METHODS)[number];

/** `/pausenet/<networkIdHex>/<kind>/1` */
export function topicName(networkIdHex: string, kind: GossipKind): string {
  return `/pausenet/${networkIdHex}/${kind}/1`;
}

/** All gossip topics of a network, keyed by kind. */
export function topicNames(networkIdHex: string): Record<GossipKind, string> {
  return {
    commitments: topicName(networkIdHex, 'commitments'),
    evidence: topicName(networkIdHex, 'evidence'),
    votes: topicName(networkIdHex, 'votes'),
    certificates: topicName(networkIdHex, 'certificates'),
    receipts: topicName(networkIdHex, 'receipts'),
  };
}

/** The kind a topic string carries, or null if it is not one of this network's topics. */
export function kindOfTopic(networkIdHex: string, topic: string): GossipKind | null {
  for (const k of GOSSIP_KINDS) if (topic === topicName(networkIdHex, k)) return k;
  return null;
}

/** `/pausenet/<networkIdHex>/<method>/1` */
export function protocolName(networkIdHex: string, method: ReqRespMethod | string): string {
  return `/pausenet/${networkIdHex}/${method}/1`;
}
