/** What the dashboard tests' networks (mock and live) share. */

/** Readable lab names, in genesis order (lab-a, lab-b, ...). */
export const LAB_NAMES = ['Aleph Research', 'Borealis AI', 'Cirrus Labs', 'Delta Compute', 'Epsilon Systems'];

/** 1-minute epochs: the page's 12-epoch chart holds still during a test. */
export const EPOCH_MS = 60_000;

/** Caps: the page draws metrics as fractions of them; 3e26 training FLOP is a breach. */
export const CAPS = {
  trainingFlop: 10n ** 26n,
  largestRunFlop: 3n * 10n ** 25n,
  maxParams: 2n * 10n ** 12n,
  datasetTokens: 4n * 10n ** 13n,
};
