import { randomBytes } from 'node:crypto';

/** A random unsigned 63-bit number as a decimal string: the shape of Compute API ids. */
export function newId(): string {
  return (randomBytes(8).readBigUInt64BE() >> 1n).toString();
}

/** A random 12-digit project number that does not start with 0. */
export function newProjectNumber(): string {
  const n = randomBytes(8).readBigUInt64BE() % 900_000_000_000n;
  return (n + 100_000_000_000n).toString();
}
