import type { IrDuration } from './types.js';

/** A Compute API duration (`{seconds?, nanos?}`) as an IR duration. */
export function duration(d: { seconds?: number | undefined; nanos?: number | undefined }): IrDuration {
  return { seconds: d.seconds ?? 0, nanos: d.nanos ?? 0 };
}
