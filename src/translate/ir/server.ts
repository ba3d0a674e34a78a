// Proxyless gRPC servers (gRFC A36) ask for a listener named after their listening address.
// The names cannot be listed ahead of time, so the server side asks for one by name.
import { isIP } from 'node:net';
import type { NodeView } from '../types.js';
import type { IrServerListener } from './types.js';

/** The prefix of the bootstrap's `server_listener_resource_name_template` that Vane serves. */
export const SERVER_LISTENER_PREFIX = 'grpc/server?xds.resource.listening_address=';

/** The server listener for a requested name, or undefined when the name is not one. */
export function serverListenerIr(view: NodeView, name: string): IrServerListener | undefined {
  if (view.kind !== 'grpc' || !name.startsWith(SERVER_LISTENER_PREFIX)) return undefined;
  const m = /^\[?([^[\]]+?)\]?:(\d{1,5})$/.exec(name.slice(SERVER_LISTENER_PREFIX.length));
  if (m === null || isIP(m[1]!) === 0) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'server', name, address: m[1]!, port };
}
