import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE } from '../references.js';

export const name = z.string().regex(NAME_PATTERN, NAME_RULE);
export const description = z.string().max(2048);
export const ref = z.string().min(1);

export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const port = int(1, 65535);

/** int64 fields arrive as strings in JSON (`"30"`) or as numbers; stored as numbers. */
export const int64 = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^-?\d+$/, 'must be an integer')])
    .transform((v) => Number(v))
    .pipe(z.number().int().min(min).max(max));

/** google.protobuf.Duration as the Compute API writes it: {seconds, nanos}. */
export const duration = z.strictObject({
  // Absent for sub-second durations, as protobuf's JSON mapping omits zero fields.
  seconds: int64(0, 315_576_000_000).optional(),
  nanos: int(0, 999_999_999).optional(),
});

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
export const labels = z
  .record(
    z.string().regex(LABEL_KEY, 'label keys start with a lowercase letter: up to 63 of [a-z0-9_-]'),
    z.string().regex(LABEL_VALUE, 'label values are up to 63 of [a-z0-9_-]'),
  )
  .refine((v) => Object.keys(v).length <= 64, 'at most 64 labels');

/** Metadata filters: matched against an xDS client's node metadata. */
export const metadataFilters = z.array(
  z.strictObject({
    filterMatchCriteria: z.enum(['MATCH_ANY', 'MATCH_ALL']),
    filterLabels: z
      .array(z.strictObject({ name: z.string().min(1).max(1024), value: z.string().max(1024) }))
      .min(1)
      .max(64),
  }),
);

/** A dotted-quad IPv4 address. */
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
