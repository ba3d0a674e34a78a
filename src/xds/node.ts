// Node identification the way Traffic Director does it (td-compat §3): project number and
// network from node.id `projects/<N>/networks/<NET>/nodes/<ID>`, else from node metadata.
import { status } from '@grpc/grpc-js';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import { type NodeInfo, XdsRefusal } from './types.js';

const PROJECT_KEY = 'TRAFFICDIRECTOR_GCP_PROJECT_NUMBER';
const NETWORK_KEY = 'TRAFFICDIRECTOR_NETWORK_NAME';
const NODE_ID = /^projects\/([^/]+)\/networks\/([^/]+)\/nodes\/(.+)$/;
const ID_SHAPE = 'node.id is not projects/NUMBER/networks/NETWORK/nodes/ID';
const GRPC_FEATURE = 'envoy.lb.does_not_support_overprovisioning';

/**
 * Resolves the node a stream presented on its first request. `firstRequestTypeUrl` and
 * `resourceNames` only enrich refusal messages. Throws XdsRefusal(INVALID_ARGUMENT).
 */
export function identifyNode(
  node: Node | undefined,
  firstRequestTypeUrl = '',
  resourceNames: readonly string[] = [],
): NodeInfo {
  const context = firstRequestTypeUrl
    ? ` (first request: ${firstRequestTypeUrl}${resourceNames.length ? ` [${resourceNames.slice(0, 5).join(', ')}]` : ''})`
    : '';
  if (node === undefined) {
    throw new XdsRefusal(
      status.INVALID_ARGUMENT,
      `the first request of a stream must carry the node${context}`,
    );
  }
  const metadata: Record<string, unknown> = { ...(node.metadata ?? {}) };
  const match = NODE_ID.exec(node.id);
  let projectNumber: string;
  let network: string;
  if (match) {
    projectNumber = match[1]!;
    network = match[2]!;
    if (!/^\d+$/.test(projectNumber)) {
      throw new XdsRefusal(
        status.INVALID_ARGUMENT,
        `node.id project "${projectNumber}" is not a project number (digits only)${context}`,
      );
    }
  } else {
    projectNumber = metadataString(metadata, PROJECT_KEY, context);
    network = metadataString(metadata, NETWORK_KEY, context);
    if (!/^\d+$/.test(projectNumber)) {
      throw new XdsRefusal(
        status.INVALID_ARGUMENT,
        `node metadata ${PROJECT_KEY} "${projectNumber}" is not a project number (digits only)${context}`,
      );
    }
  }
  const userAgentVersion =
    node.userAgentVersionType.case === 'userAgentVersion'
      ? node.userAgentVersionType.value
      : node.userAgentVersionType.case === 'userAgentBuildVersion'
        ? semver(node.userAgentVersionType.value.version)
        : '';
  const clientFeatures = [...node.clientFeatures];
  const kind =
    node.userAgentName.toLowerCase().includes('grpc') || clientFeatures.includes(GRPC_FEATURE)
      ? 'grpc'
      : 'envoy';
  return {
    id: node.id,
    cluster: node.cluster,
    userAgentName: node.userAgentName,
    userAgentVersion,
    locality: {
      region: node.locality?.region ?? '',
      zone: node.locality?.zone ?? '',
      subZone: node.locality?.subZone ?? '',
    },
    metadata,
    clientFeatures,
    projectNumber,
    network,
    kind,
  };
}

function metadataString(metadata: Record<string, unknown>, key: string, context: string): string {
  const value = metadata[key];
  if (value === undefined || value === null || value === '') {
    throw new XdsRefusal(
      status.INVALID_ARGUMENT,
      `node metadata ${key} is missing and ${ID_SHAPE}${context}`,
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new XdsRefusal(status.INVALID_ARGUMENT, `node metadata ${key} must be a string${context}`);
  }
  return String(value);
}

function semver(v: { majorNumber: number; minorNumber: number; patch: number } | undefined): string {
  return v ? `${v.majorNumber}.${v.minorNumber}.${v.patch}` : '';
}
