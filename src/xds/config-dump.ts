import { create, type JsonValue, toBinary, toJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ConfigDumpSchema } from '../gen/envoy/admin/v3/config_dump_pb.js';
import {
  ClustersConfigDumpSchema,
  EndpointsConfigDumpSchema,
  ListenersConfigDumpSchema,
  RoutesConfigDumpSchema,
} from '../gen/envoy/admin/v3/config_dump_shared_pb.js';
import { ClusterSchema } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../gen/envoy/config/route/v3/route_pb.js';
import type { ConfigOutput, EndpointsOutput } from '../translate/types.js';
import { contentHash } from './cache/encode.js';
import { envoyRegistry } from './validate/registry.js';

/**
 * What a proxy would be sent, in the shape of Envoy's `/config_dump` (an
 * envoy.admin.v3.ConfigDump as proto3 JSON, every message with its `@type`), so the tools
 * and habits people use on Envoy's admin page work on Vane's answer too.
 */
export function configDump(config: ConfigOutput, endpoints: EndpointsOutput): JsonValue {
  const version = (bytes: Uint8Array) => contentHash(bytes);
  const listeners = create(ListenersConfigDumpSchema, {
    dynamicListeners: config.listeners.map((l) => ({
      name: l.name,
      activeState: {
        versionInfo: version(toBinary(ListenerSchema, l)),
        listener: anyPack(ListenerSchema, l),
      },
    })),
  });
  const clusters = create(ClustersConfigDumpSchema, {
    dynamicActiveClusters: config.clusters.map((c) => ({
      versionInfo: version(toBinary(ClusterSchema, c)),
      cluster: anyPack(ClusterSchema, c),
    })),
  });
  const routes = create(RoutesConfigDumpSchema, {
    dynamicRouteConfigs: config.routes.map((r) => ({
      versionInfo: version(toBinary(RouteConfigurationSchema, r)),
      routeConfig: anyPack(RouteConfigurationSchema, r),
    })),
  });
  const eds = create(EndpointsConfigDumpSchema, {
    dynamicEndpointConfigs: endpoints.endpoints.map((e) => ({
      versionInfo: version(toBinary(ClusterLoadAssignmentSchema, e)),
      endpointConfig: anyPack(ClusterLoadAssignmentSchema, e),
    })),
  });
  const dump = create(ConfigDumpSchema, {
    configs: [
      anyPack(ClustersConfigDumpSchema, clusters),
      anyPack(EndpointsConfigDumpSchema, eds),
      anyPack(ListenersConfigDumpSchema, listeners),
      anyPack(RoutesConfigDumpSchema, routes),
    ],
  });
  return toJson(ConfigDumpSchema, dump, { registry: envoyRegistry() });
}
