/** Network DKG ceremony: runs the crypto DKG state machine between genesis members over libp2p. */
export type { DkgCeremonyErrorCode, DkgCeremonyOptions, DkgCeremonyResult, DkgProgress } from './ceremony.js';
export { DkgCeremonyError, defaultDkgTimeouts, runDkgCeremony } from './ceremony.js';
export { createDkgHost, genesisOnlyGater, genesisPeerIds } from './host.js';
export type { EnvelopeHandler, EnvelopeLimits } from './transport.js';
export { DkgTransport, envelopeLimits } from './transport.js';
export { ceremonyNames } from './wire.js';
