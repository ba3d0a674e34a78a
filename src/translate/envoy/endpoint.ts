// IR endpoints → Envoy ClusterLoadAssignment messages.
import { create } from '@bufbuild/protobuf';
import { HealthStatus } from '../../gen/envoy/config/core/v3/health_check_pb.js';
import {
  type LocalityLbEndpoints,
  LocalityLbEndpointsSchema,
} from '../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { IrClusterEndpoints, IrLocality } from '../ir/types.js';
import { socketAddress } from './common.js';

export function clusterLoadAssignment(e: IrClusterEndpoints): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: e.clusterName,
    endpoints: e.localities.map(localityLbEndpoints),
  });
}

/** A locality always carries load_balancing_weight: gRPC drops localities without one. */
export function localityLbEndpoints(l: IrLocality): LocalityLbEndpoints {
  return create(LocalityLbEndpointsSchema, {
    locality: { region: l.region, zone: l.zone, subZone: '' },
    priority: l.priority,
    loadBalancingWeight: l.weight,
    lbEndpoints: l.endpoints.map((e) => ({
      hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress(e.address, e.port) } },
      healthStatus: HealthStatus[e.health],
    })),
  });
}
