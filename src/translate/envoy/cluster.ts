// IR clusters → Envoy Cluster messages.
import {
  type Cluster,
  type Cluster_CommonLbConfig,
  Cluster_CommonLbConfigSchema,
  Cluster_DiscoveryType,
  type Cluster_EdsClusterConfig,
  Cluster_EdsClusterConfigSchema,
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
import { ADS_CONFIG_SOURCE, duration, FILTER, message, pack, SELF_CONFIG_SOURCE, shared } from './common.js';
import { localityLbEndpoints } from './endpoint.js';

/** Endpoints over ADS: the same for every EDS cluster, so one shared message. */
const EDS_OVER_ADS: Cluster_EdsClusterConfig = shared(
  message(Cluster_EdsClusterConfigSchema, { edsConfig: ADS_CONFIG_SOURCE }),
);

/** By panic threshold: clusters share the few there are. */
const COMMON_LB_CONFIGS = new Map<number, Cluster_CommonLbConfig>();

function commonLbConfig(panicThreshold: number): Cluster_CommonLbConfig {
  let config = COMMON_LB_CONFIGS.get(panicThreshold);
  if (config === undefined) {
    config = shared(
      message(Cluster_CommonLbConfigSchema, { healthyPanicThreshold: { value: panicThreshold } }),
    );
    COMMON_LB_CONFIGS.set(panicThreshold, config);
  }
  return config;
}

export function cluster(c: IrCluster): Cluster {
  return message(ClusterSchema, {
    name: c.name,
    clusterDiscoveryType: {
      case: 'type',
      value: c.discovery === 'EDS' ? Cluster_DiscoveryType.EDS : Cluster_DiscoveryType.STATIC,
    },
    ...(c.discovery === 'EDS' ? { edsClusterConfig: EDS_OVER_ADS } : {}),
    ...(c.staticEndpoint === undefined
      ? {}
      : {
          loadAssignment: message(ClusterLoadAssignmentSchema, {
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
    ...(c.lrs ? { lrsServer: SELF_CONFIG_SOURCE } : {}),
    ...(c.panicThreshold === undefined ? {} : { commonLbConfig: commonLbConfig(c.panicThreshold) }),
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
              message(HttpProtocolOptionsSchema, {
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
  return message(OutlierDetectionSchema, {
    ...counts,
    ...(interval === undefined ? {} : { interval: duration(interval) }),
    ...(baseEjectionTime === undefined ? {} : { baseEjectionTime: duration(baseEjectionTime) }),
  });
}
