import type { z } from 'zod';
import type { Collection } from '../store/types.js';

/** A reference field inside a body: where it is, what it may point to, and how to rewrite it. */
export interface RefSlot {
  location: string;
  accepted: readonly Collection[];
  value: unknown;
  set(value: string): void;
}

/** A problem with a request body, at a field path relative to the body. */
export interface Issue {
  location: string;
  message: string;
}

export interface ResolvedResource {
  path: string;
  collection: Collection;
  name: string;
  body: Record<string, unknown>;
}

/**
 * What a kind's checks may look at: the store as the write would leave it (the resource
 * being written already replaced by its new body).
 */
export interface CheckContext {
  project: string;
  /** Path of the resource being checked. */
  path: string;
  get(path: string): Promise<ResolvedResource | undefined>;
  list(collection: Collection): Promise<ResolvedResource[]>;
  referrers(path: string): Promise<string[]>;
  issue(location: string, message: string): void;
}

export interface KindSpec<T extends Record<string, unknown> = Record<string, unknown>> {
  collection: Collection;
  /** `compute#urlMap` */
  kind: string;
  scope: 'global' | 'zonal';
  /** Whether the resource carries a fingerprint that patch/update must match. */
  fingerprint: boolean;
  /** Strict schema of the writable body (unknown fields rejected); applies the API's defaults. */
  schema: z.ZodType<T>;
  /** Output-only fields this kind returns besides the common ones; accepted in input and ignored. */
  outputOnly?: readonly string[];
  /** Fills values the API derives from others (after parsing, before checks). */
  normalize?(body: T): void;
  /** The reference fields of a parsed body. */
  refs(body: T): RefSlot[];
  /** Rules that need more than the schema: cross-field and cross-resource. */
  check?(body: T, ctx: CheckContext): Promise<void> | void;
}

/** A reference slot for `obj[key]` when present. */
export function slot(
  obj: Record<string, unknown> | undefined,
  key: string,
  location: string,
  accepted: readonly Collection[],
): RefSlot[] {
  if (obj === undefined || obj[key] === undefined) return [];
  return [
    {
      location,
      accepted,
      value: obj[key],
      set: (value) => {
        obj[key] = value;
      },
    },
  ];
}
