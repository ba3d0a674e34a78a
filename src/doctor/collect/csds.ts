// A proxyless gRPC client's own view (CSDS), read from its admin server
// (grpc.addAdminServicesToServer) as ClientStatusResponse JSON.
import { create, fromBinary, type JsonValue, toBinary, toJson } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  type ClientStatusRequest,
  ClientStatusRequestSchema,
  type ClientStatusResponse,
  ClientStatusResponseSchema,
} from '../../gen/envoy/service/status/v3/csds_pb.js';
import { envoyRegistry } from '../../xds/validate/registry.js';
import type { FileText } from '../evidence.js';

const PATH = '/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus';

function toText(res: ClientStatusResponse): string {
  let json: JsonValue;
  try {
    json = toJson(ClientStatusResponseSchema, res, { registry: envoyRegistry() });
  } catch {
    // A resource of a type Vane has no schema for: keep everything but the contents.
    for (const c of res.config) for (const g of c.genericXdsConfigs) g.xdsConfig = undefined;
    json = toJson(ClientStatusResponseSchema, res, { registry: envoyRegistry() });
  }
  return `${JSON.stringify(json, null, 2)}\n`;
}

export function fetchCsds(address: string, timeoutMs = 3000): Promise<FileText> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<FileText>((resolve, reject) => {
    client.makeUnaryRequest<ClientStatusRequest, ClientStatusResponse>(
      PATH,
      (m) => Buffer.from(toBinary(ClientStatusRequestSchema, m)),
      (b) => fromBinary(ClientStatusResponseSchema, b),
      create(ClientStatusRequestSchema, {}),
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        if (err || res === undefined) reject(new Error(`CSDS at ${address}: ${err?.details ?? 'no answer'}`));
        else resolve({ source: `csds://${address}`, text: toText(res) });
      },
    );
  });
}
