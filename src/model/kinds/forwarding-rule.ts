import { z } from 'zod';
import { type KindSpec, slot } from '../kind.js';
import { description, IPV4, labels, metadataFilters, name, ref } from './common.js';
import { TARGET_PROXY_COLLECTIONS } from './target-proxies.js';

const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

const schema = z.strictObject({
  name,
  description: description.optional(),
  IPAddress: z.string().default('0.0.0.0'),
  IPProtocol: z.enum(['TCP']).default('TCP'),
  portRange: z.string().optional(),
  ports: z.array(z.string()).optional(),
  network: ref.default('global/networks/default'),
  target: ref,
  loadBalancingScheme: z.string().default('INTERNAL_SELF_MANAGED'),
  metadataFilters: metadataFilters.optional(),
  labels: labels.optional(),
  networkTier: z.enum(['PREMIUM', 'STANDARD']).optional(),
  ipVersion: z.enum(['IPV4']).optional(),
  allowGlobalAccess: z.boolean().optional(),
  // Accepted so that exports apply; the mesh does nothing with them.
  subnetwork: z.string().optional(),
  serviceDirectoryRegistrations: z
    .array(
      z.strictObject({
        namespace: z.string().optional(),
        service: z.string().optional(),
        serviceDirectoryRegion: z.string().optional(),
      }),
    )
    .optional(),
  sourceIpRanges: z.array(z.string()).optional(),
  noAutomateDnsZone: z.boolean().optional(),
  serviceLabel: z.string().optional(),
});
export type ForwardingRule = z.output<typeof schema>;

/** The single port a mesh forwarding rule listens on, or undefined when `portRange` is not one port. */
export function forwardingRulePort(fr: ForwardingRule): number | undefined {
  const m = PORT_RANGE.exec(fr.portRange ?? '');
  if (!m) return undefined;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return low === high && low >= 1 && low <= 65535 ? low : undefined;
}

export const forwardingRuleKind: KindSpec<ForwardingRule> = {
  collection: 'forwardingRules',
  kind: 'compute#forwardingRule',
  scope: 'global',
  fingerprint: true,
  schema,
  outputOnly: [
    'region',
    'labelFingerprint',
    'pscConnectionId',
    'pscConnectionStatus',
    'baseForwardingRule',
    'serviceName',
  ],
  normalize(fr) {
    // `ports: ["80"]` is another way to say `portRange: "80"`; GCP prints single ports as "80-80".
    if (fr.portRange === undefined && fr.ports?.length === 1) {
      fr.portRange = fr.ports[0];
      delete fr.ports;
    }
    const port = forwardingRulePort(fr);
    if (port !== undefined) fr.portRange = `${port}-${port}`;
  },
  refs: (fr) => [
    ...slot(fr, 'network', 'network', ['networks']),
    ...slot(fr, 'target', 'target', TARGET_PROXY_COLLECTIONS),
  ],
  async check(fr, ctx) {
    if (fr.loadBalancingScheme !== 'INTERNAL_SELF_MANAGED') {
      ctx.issue(
        'loadBalancingScheme',
        `is '${fr.loadBalancingScheme}'; the mesh serves INTERNAL_SELF_MANAGED forwarding rules only`,
      );
    }
    if (!IPV4.test(fr.IPAddress)) {
      ctx.issue(
        'IPAddress',
        `'${fr.IPAddress}' is not an IPv4 address (use the service VIP, or 0.0.0.0 to match by port only)`,
      );
    }
    if (fr.ports !== undefined) {
      ctx.issue('ports', 'mesh forwarding rules listen on exactly one port: use portRange');
    }
    const port = forwardingRulePort(fr);
    if (fr.portRange === undefined) {
      ctx.issue('portRange', 'is required: the port the service listens on, e.g. "80"');
      return;
    }
    if (port === undefined) {
      ctx.issue(
        'portRange',
        `'${fr.portRange}' is not a single port: mesh forwarding rules listen on one port ("8080" or "8080-8080")`,
      );
      return;
    }
    for (const other of await ctx.list('forwardingRules')) {
      if (other.path === ctx.path) continue;
      const o = other.body as ForwardingRule;
      if (o.network === fr.network && o.IPAddress === fr.IPAddress && forwardingRulePort(o) === port) {
        ctx.issue(
          'portRange',
          `${fr.IPAddress}:${port} is already used by forwarding rule '${other.name}' in the same network; each IP:port pair takes one forwarding rule`,
        );
      }
    }
  },
};
