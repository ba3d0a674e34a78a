// Client Status Discovery Service: what each connected client was sent, ACKed and NACKed,
// as generic_xds_configs (envoy.service.status.v3).
import { create } from '@bufbuild/protobuf';
import { AnySchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  ClientResourceStatus,
  UpdateFailureStateSchema,
} from '../gen/envoy/admin/v3/config_dump_shared_pb.js';
import { NodeSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  type ClientConfig,
  ClientConfig_GenericXdsConfigSchema,
  ClientConfigSchema,
  type ClientStatusRequest,
  type ClientStatusResponse,
  ClientStatusResponseSchema,
  ConfigStatus,
} from '../gen/envoy/service/status/v3/csds_pb.js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string_pb.js';
import type { ConnectionRegistry, ResourceStatus, StreamRecord } from './registry.js';

const CLIENT_STATUS: Record<ResourceStatus, ClientResourceStatus> = {
  REQUESTED: ClientResourceStatus.REQUESTED,
  ACKED: ClientResourceStatus.ACKED,
  NACKED: ClientResourceStatus.NACKED,
  DOES_NOT_EXIST: ClientResourceStatus.DOES_NOT_EXIST,
};

const CONFIG_STATUS: Record<ResourceStatus, ConfigStatus> = {
  REQUESTED: ConfigStatus.STALE,
  ACKED: ConfigStatus.SYNCED,
  NACKED: ConfigStatus.ERROR,
  DOES_NOT_EXIST: ConfigStatus.NOT_SENT,
};

/** One ClientConfig per connected ADS client matching the request's node matchers (OR). */
export function clientStatus(registry: ConnectionRegistry, req: ClientStatusRequest): ClientStatusResponse {
  const config: ClientConfig[] = [];
  for (const s of registry.streams()) {
    if (s.protocol === 'lrs' || s.node === undefined) continue;
    if (req.nodeMatchers.length > 0 && !req.nodeMatchers.some((m) => matches(m.nodeId, s.node?.id ?? '')))
      continue;
    config.push(clientConfig(s, req.excludeResourceContents));
  }
  return create(ClientStatusResponseSchema, { config });
}

function clientConfig(s: StreamRecord, excludeContents: boolean): ClientConfig {
  const genericXdsConfigs = [];
  for (const t of s.types.values()) {
    for (const [name, r] of t.resources) {
      const nacked = r.status === 'NACKED' && t.lastNack !== undefined;
      genericXdsConfigs.push(
        create(ClientConfig_GenericXdsConfigSchema, {
          typeUrl: t.typeUrl,
          name,
          versionInfo: r.status === 'ACKED' ? r.ackedVersion : r.version,
          clientStatus: CLIENT_STATUS[r.status],
          configStatus: CONFIG_STATUS[r.status],
          lastUpdated: timestampFromMs(r.updatedAt),
          xdsConfig:
            r.resource !== undefined && !excludeContents
              ? create(AnySchema, { typeUrl: r.resource.typeUrl, value: r.resource.bytes })
              : undefined,
          errorState: nacked
            ? create(UpdateFailureStateSchema, {
                details: r.nackMessage || t.lastNack!.message,
                versionInfo: t.lastNack!.version,
                lastUpdateAttempt: timestampFromMs(t.lastNack!.time),
              })
            : undefined,
        }),
      );
    }
  }
  return create(ClientConfigSchema, {
    node: s.nodeProto ?? create(NodeSchema, { id: s.node?.id ?? '' }),
    genericXdsConfigs,
  });
}

function matches(m: StringMatcher | undefined, value: string): boolean {
  if (m === undefined) return true;
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const p = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  switch (m.matchPattern.case) {
    case 'exact':
      return v === p(m.matchPattern.value);
    case 'prefix':
      return v.startsWith(p(m.matchPattern.value));
    case 'suffix':
      return v.endsWith(p(m.matchPattern.value));
    case 'contains':
      return v.includes(p(m.matchPattern.value));
    case 'safeRegex':
      try {
        return new RegExp(`^(?:${m.matchPattern.value.regex})$`).test(value);
      } catch {
        return false;
      }
    default:
      return true;
  }
}
