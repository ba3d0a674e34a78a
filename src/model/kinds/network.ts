import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { description, int, name } from './common.js';

const schema = z.strictObject({
  name,
  description: description.optional(),
  autoCreateSubnetworks: z.boolean().optional(),
  routingConfig: z.strictObject({ routingMode: z.enum(['REGIONAL', 'GLOBAL']) }).optional(),
  mtu: int(1300, 8896).optional(),
  networkFirewallPolicyEnforcementOrder: z
    .enum(['AFTER_CLASSIC_FIREWALL', 'BEFORE_CLASSIC_FIREWALL'])
    .optional(),
});

export type Network = z.output<typeof schema>;

export const networkKind: KindSpec<Network> = {
  collection: 'networks',
  kind: 'compute#network',
  scope: 'global',
  fingerprint: false,
  schema,
  outputOnly: ['subnetworks', 'peerings', 'gatewayIPv4', 'selfLinkWithId', 'firewallPolicy'],
  refs: () => [],
};
