import { InvalidArgumentError } from 'commander';

/** commander parser: a non-negative safe integer. */
export function parseIntArg(name: string, min = 0) {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`);
    return n;
  };
}

/** commander parser: a non-negative integer as a decimal string (bigint-sized), accepts 1e25 notation. */
export function parseBigArg(name: string) {
  return (value: string): string => {
    const m = /^(\d+)(?:e(\d+))?$/i.exec(value.replace(/_/g, ''));
    if (!m)
      throw new InvalidArgumentError(
        `${name} must be a non-negative integer like 1000 or 1e25, got "${value}"`,
      );
    return (BigInt(m[1]!) * 10n ** BigInt(m[2] ?? '0')).toString();
  };
}

/** commander parser: lowercase hex of an exact byte length. */
export function parseHexArg(name: string, bytes: number) {
  return (value: string): string => {
    const v = value.replace(/^0x/, '').toLowerCase();
    if (!/^[0-9a-f]*$/.test(v) || v.length !== bytes * 2)
      throw new InvalidArgumentError(
        `${name} must be ${bytes} bytes of hex (${bytes * 2} chars), got "${value}"`,
      );
    return v;
  };
}

/** commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
