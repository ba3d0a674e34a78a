import type { NodeView } from '../../translate/types.js';
import type { NodeInfo } from '../types.js';

/**
 * The parts of a node that change what it is sent. `filterLabels` are the metadata keys the
 * project's metadataFilters mention: other metadata (INSTANCE_IP, …) would only split proxies
 * into views that translate identically.
 */
export function nodeViewOf(node: NodeInfo, filterLabels: ReadonlySet<string>): NodeView {
  const raw = node.metadata;
  const text = (key: string): string | undefined => {
    const v = raw[key];
    return typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : undefined;
  };
  const port = (key: string): number | undefined => {
    const v = text(key);
    const n = Number(v);
    return v !== undefined && v.trim() !== '' && Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
  };
  const metadata: Record<string, string> = {};
  for (const key of [...filterLabels].sort()) {
    const v = text(key);
    if (v !== undefined) metadata[key] = v;
  }
  const sidecar = node.kind === 'envoy';
  const inbound = (text('TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS') ?? '')
    .split(/[\s,;]+/)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n < 65536);
  const view: NodeView = {
    projectNumber: node.projectNumber,
    network: node.network,
    kind: node.kind,
    metadata,
    inboundBackendPorts: sidecar ? [...new Set(inbound)].sort((a, b) => a - b) : [],
    enableTracing: sidecar && text('TRAFFICDIRECTOR_ENABLE_TRACING') === 'true',
  };
  if (node.locality.zone !== '') view.zone = node.locality.zone;
  if (sidecar) {
    const interception = port('TRAFFICDIRECTOR_INTERCEPTION_PORT');
    const inboundPort = port('TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT');
    const accessLog = text('TRAFFICDIRECTOR_ACCESS_LOG_PATH');
    if (interception !== undefined) view.interceptionPort = interception;
    if (inboundPort !== undefined) view.inboundInterceptionPort = inboundPort;
    if (accessLog !== undefined && accessLog !== '') view.accessLogPath = accessLog;
  }
  return view;
}
