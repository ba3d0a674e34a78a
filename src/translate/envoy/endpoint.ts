// IR endpoints → Envoy ClusterLoadAssignment messages.
import { LocalitySchema } from '../../gen/envoy/config/core/v3/base_pb.js';
import { HealthStatus } from '../../gen/envoy/config/core/v3/health_check_pb.js';
import {
  EndpointSchema,
  type LbEndpoint,
  LbEndpointSchema,
  type LocalityLbEndpoints,
  LocalityLbEndpointsSchema,
} from '../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { IrClusterEndpoints, IrEndpoint, IrLocality } from '../ir/types.js';
import { message, socketAddress } from './common.js';

export function clusterLoadAssignment(e: IrClusterEndpoints): ClusterLoadAssignment {
  return message(ClusterLoadAssignmentSchema, {
    clusterName: e.clusterName,
    endpoints: e.localities.map(localityLbEndpoints),
  });
}

/** A locality always carries load_balancing_weight: gRPC drops localities without one. */
export function localityLbEndpoints(l: IrLocality): LocalityLbEndpoints {
  return message(LocalityLbEndpointsSchema, {
    locality: message(LocalitySchema, { region: l.region, zone: l.zone }),
    priority: l.priority,
    loadBalancingWeight: l.weight,
    lbEndpoints: l.endpoints.map(lbEndpoint),
  });
}

function lbEndpoint(e: IrEndpoint): LbEndpoint {
  return message(LbEndpointSchema, {
    hostIdentifier: {
      case: 'endpoint',
      value: message(EndpointSchema, { address: socketAddress(e.address, e.port) }),
    },
    healthStatus: HealthStatus[e.health],
  });
}
