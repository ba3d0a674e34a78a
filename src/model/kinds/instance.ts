import { isIP } from 'node:net';
import { z } from 'zod';
import { type KindSpec, slot } from '../kind.js';
import { description, labels, name, ref } from './common.js';

const metadata = z.strictObject({
  items: z
    .array(
      z.strictObject({ key: z.string().regex(/^[a-zA-Z0-9-_]{1,128}$/), value: z.string().max(262_144) }),
    )
    .default([]),
  // Output-only in the Compute API; accepted so that exports apply back.
  kind: z.string().optional(),
  fingerprint: z.string().optional(),
});

const schema = z.strictObject({
  name,
  description: description.optional(),
  network: ref.default('global/networks/default'),
  networkIP: z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address'),
  hostname: z.string().max(253).optional(),
  labels: labels.optional(),
  metadata: metadata.optional(),
  tags: z
    .strictObject({ items: z.array(z.string()).default([]), fingerprint: z.string().optional() })
    .optional(),
  machineType: z.string().optional(),
});
export type Instance = z.output<typeof schema>;

/** A workload host: where an agent runs a proxy. Proxies and agents identify it by name or networkIP. */
export const instanceKind: KindSpec<Instance> = {
  collection: 'instances',
  kind: 'compute#instance',
  scope: 'zonal',
  fingerprint: false,
  schema,
  outputOnly: ['status', 'statusMessage', 'cpuPlatform', 'labelFingerprint', 'lastStartTimestamp'],
  normalize(instance) {
    if (instance.metadata) {
      delete instance.metadata.kind;
      delete instance.metadata.fingerprint;
    }
    if (instance.tags) delete instance.tags.fingerprint;
  },
  refs: (instance) => slot(instance, 'network', 'network', ['networks']),
  check(instance, ctx) {
    const keys = new Map<string, number>();
    instance.metadata?.items.forEach((item, i) => {
      const first = keys.get(item.key);
      if (first !== undefined)
        ctx.issue(`metadata.items[${i}].key`, `'${item.key}' is also metadata.items[${first}]`);
      else keys.set(item.key, i);
    });
  },
};
