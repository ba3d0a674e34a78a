import type { DescMessage, Message } from '@bufbuild/protobuf';
import { packedFrom } from '../../translate/index.js';
import type { ConfigOutput, EndpointsOutput } from '../../translate/types.js';
import type { EncodedResource } from '../types.js';
import { checkConsistency, validateMessage } from '../validate/index.js';

/**
 * The last border before proxies: every resource against Envoy's own validation rules, and
 * each snapshot for consistency. A resource is checked once per distinct content (encoded
 * resources are shared objects), so steady-state rebuilds cost almost nothing here.
 */
export class OutputValidator {
  private readonly passed = new WeakSet<EncodedResource>();

  /** Problems with one resource, as `<name>: <field path>: <message>`. */
  resource(encoded: EncodedResource, schema: DescMessage, message: Message): string[] {
    if (this.passed.has(encoded)) return [];
    const problems = validateMessage(schema, message, { packedFrom }).map(
      (v) => `${encoded.name}: ${v.path}: ${v.message}`,
    );
    if (problems.length === 0) this.passed.add(encoded);
    return problems;
  }

  /** Problems with the snapshot as a whole (missing RDS / EDS / clusters, duplicates). */
  snapshot(output: ConfigOutput & EndpointsOutput): string[] {
    return checkConsistency(output).map((v) => `snapshot: ${v.path}: ${v.message}`);
  }
}
