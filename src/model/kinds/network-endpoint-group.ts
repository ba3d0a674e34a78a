import { z } from 'zod';
import { type KindSpec, slot } from '../kind.js';
import { description, name, port, ref } from './common.js';

const schema = z.strictObject({
  name,
  description: description.optional(),
  networkEndpointType: z.enum(['GCE_VM_IP_PORT', 'NON_GCP_PRIVATE_IP_PORT']).default('GCE_VM_IP_PORT'),
  network: ref.default('global/networks/default'),
  subnetwork: z.string().optional(),
  defaultPort: port.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type NetworkEndpointGroup = z.output<typeof schema>;

export const networkEndpointGroupKind: KindSpec<NetworkEndpointGroup> = {
  collection: 'networkEndpointGroups',
  kind: 'compute#networkEndpointGroup',
  scope: 'zonal',
  fingerprint: false,
  schema,
  outputOnly: ['size', 'region'],
  refs: (neg) => slot(neg, 'network', 'network', ['networks']),
};
