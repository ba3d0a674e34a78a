import type { FastifyRequest } from 'fastify';
import type { HealthService } from '../health/service.js';
import type { Store } from '../store/store.js';
import type { SnapshotCache } from '../xds/cache/snapshot-cache.js';
import type { LoadWindow } from '../xds/lrs.js';
import type { ConnectionRegistry } from '../xds/registry.js';
import { authorize, type Permission, type Principal } from './auth.js';
import { ApiError } from './errors.js';
import type { OperationLog } from './operations.js';
import { Renderer } from './render.js';
import type { ResourceService } from './resource-service.js';

/** What every route handler needs. */
export interface ApiContext {
  store: Store;
  resources: ResourceService;
  operations: OperationLog;
  /** Base URL for selfLinks; when unset, the URL the client used. */
  publicUrl?: string;
  /** The xDS side, when this process serves proxies. */
  xds?: XdsHandles;
  /** The active health checker, when this process runs one. */
  health?: HealthService;
}

export interface XdsHandles {
  registry: ConnectionRegistry;
  cache: SnapshotCache;
  loads: LoadWindow;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(401, 'Request is missing required authentication credential.');
  return req.principal;
}

/** Authorizes the request for `permission` on `project` (null: server-wide) and returns who it is. */
export function allow(req: FastifyRequest, permission: Permission, project: string | null): Principal {
  const principal = principalOf(req);
  authorize(principal, permission, project);
  return principal;
}

export function rendererFor(ctx: ApiContext, req: FastifyRequest): Renderer {
  return new Renderer(ctx.publicUrl ?? `${req.protocol}://${req.host}`);
}

/** The user recorded on operations: the token's name. */
export function userOf(req: FastifyRequest): string {
  return principalOf(req).token.name;
}
