// Stage two of translation for one view — IR resource → Envoy message → encoded, validated
// resource — redone only for the IR that changed. A configuration change re-runs stage one
// (cheap: plain objects), then finds most resources' IR identical to the last rebuild's and
// keeps their message, bytes and validation as they were.
import type { Message } from '@bufbuild/protobuf';
import type { EncodedResource, TypeUrl } from '../types.js';
import { type Encoder, SCHEMA_OF } from './encode.js';
import type { OutputValidator } from './validate-output.js';

export interface Emitted<M extends Message = Message> {
  /** The IR it came from: equal IR, equal output (stage two is a pure function of it). */
  ir: object;
  message: M;
  encoded: EncodedResource;
  /** Output validation problems (the resource is emitted, the snapshot refused). */
  problems: readonly string[];
}

export class EmittedResources {
  private entries = new Map<string, Emitted>();
  private next: Map<string, Emitted> | undefined;

  constructor(
    private readonly encoder: Encoder,
    private readonly validator: OutputValidator | undefined,
  ) {}

  /**
   * Starts a whole rebuild: resources not emitted again before `commit` are forgotten (their
   * names left the view).
   */
  begin(): void {
    this.next = new Map();
  }

  commit(): void {
    if (this.next !== undefined) this.entries = this.next;
    this.next = undefined;
  }

  /** The resource `ir` translates to, emitted, encoded and validated only if its IR changed. */
  emit<I extends object, M extends Message>(
    typeUrl: TypeUrl,
    name: string,
    ir: I,
    translate: (ir: I) => M,
  ): Emitted<M> {
    const slot = `${typeUrl}\u0000${name}`;
    let found = this.entries.get(slot) as Emitted<M> | undefined;
    if (found !== undefined && sameIr(found.ir, ir)) {
      this.encoder.retain(found.encoded);
    } else {
      const message = translate(ir);
      const schema = SCHEMA_OF[typeUrl];
      const encoded = this.encoder.encode(typeUrl, schema, name, message);
      found = { ir, message, encoded, problems: this.validator?.resource(encoded, schema, message) ?? [] };
      if (this.next === undefined) this.entries.set(slot, found);
    }
    this.next?.set(slot, found);
    return found;
  }
}

/**
 * Structural equality of IR (plain objects, arrays and primitives, as stage one builds it).
 * Anything else is equal only to itself, so a doubt costs a re-emit, never a stale resource.
 */
export function sameIr(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameIr(a[i], b[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype)
    return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(b, k)) return false;
    if (!sameIr((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
