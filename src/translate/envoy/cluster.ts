// IR clusters → Envoy Cluster messages.
import { create } from '@bufbuild/protobuf';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  type OutlierDetection,
  OutlierDetectionSchema,
} from '../../gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import { RoutingPriority } from '../../gen/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { HttpProtocolOptionsSchema } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { IrCluster, IrOutlierDetection } from '../ir/types.js';
import { adsConfigSource, duration, FILTER, pack, selfConfigSource } from './common.js';
import { localityLbEndpoints } from './endpoint.js';

export function cluster(c: IrCluster): Cluster {
  return create(ClusterSchema, {
    name: c.name,
    clusterDiscoveryType: {
      case: 'type',
      value: c.discovery === 'EDS' ? Cluster_DiscoveryType.EDS : Cluster_DiscoveryType.STATIC,
    },
    ...(c.discovery === 'EDS' ? { edsClusterConfig: { edsConfig: adsConfigSource() } } : {}),
    ...(c.staticEndpoint === undefined
      ? {}
      : {
          loadAssignment: create(ClusterLoadAssignmentSchema, {
            clusterName: c.name,
            endpoints: [
              localityLbEndpoints({
                region: '',
                zone: '',
                priority: 0,
                weight: 1,
                endpoints: [{ ...c.staticEndpoint, health: 'UNKNOWN', source: c.source }],
              }),
            ],
          }),
        }),
    connectTimeout: duration(c.connectTimeout),
    lbPolicy: Cluster_LbPolicy[c.lbPolicy],
    ...(c.minimumRingSize === undefined
      ? {}
      : {
          lbConfig: {
            case: 'ringHashLbConfig' as const,
            value: { minimumRingSize: BigInt(c.minimumRingSize) },
          },
        }),
    ...(c.lrs ? { lrsServer: selfConfigSource() } : {}),
    ...(c.panicThreshold === undefined
      ? {}
      : { commonLbConfig: { healthyPanicThreshold: { value: c.panicThreshold } } }),
    ...(c.circuitBreakers === undefined
      ? {}
      : { circuitBreakers: { thresholds: [{ priority: RoutingPriority.DEFAULT, ...c.circuitBreakers }] } }),
    ...(c.outlierDetection === undefined ? {} : { outlierDetection: outlierDetection(c.outlierDetection) }),
    ...(c.upstreamProtocol === undefined
      ? {}
      : {
          typedExtensionProtocolOptions: {
            [FILTER.httpProtocolOptions]: pack(
              HttpProtocolOptionsSchema,
              create(HttpProtocolOptionsSchema, {
                upstreamProtocolOptions: {
                  case: 'explicitHttpConfig',
                  value: {
                    protocolConfig:
                      c.upstreamProtocol === 'HTTP2'
                        ? { case: 'http2ProtocolOptions', value: {} }
                        : { case: 'httpProtocolOptions', value: {} },
                  },
                },
                ...(c.maxRequestsPerConnection === undefined
                  ? {}
                  : { commonHttpProtocolOptions: { maxRequestsPerConnection: c.maxRequestsPerConnection } }),
              }),
            ),
          },
        }),
  });
}

function outlierDetection(o: IrOutlierDetection): OutlierDetection {
  const { interval, baseEjectionTime, ...counts } = o;
  return create(OutlierDetectionSchema, {
    ...counts,
    ...(interval === undefined ? {} : { interval: duration(interval) }),
    ...(baseEjectionTime === undefined ? {} : { baseEjectionTime: duration(baseEjectionTime) }),
  });
}
