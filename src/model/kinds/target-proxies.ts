import { z } from 'zod';
import { type KindSpec, slot } from '../kind.js';
import { description, name, ref } from './common.js';

const httpSchema = z.strictObject({
  name,
  description: description.optional(),
  urlMap: ref,
  proxyBind: z.boolean().optional(),
  httpKeepAliveTimeoutSec: z.number().int().min(5).max(1200).optional(),
});
export type TargetHttpProxy = z.output<typeof httpSchema>;

export const targetHttpProxyKind: KindSpec<TargetHttpProxy> = {
  collection: 'targetHttpProxies',
  kind: 'compute#targetHttpProxy',
  scope: 'global',
  fingerprint: true,
  schema: httpSchema,
  outputOnly: ['region'],
  refs: (p) => slot(p, 'urlMap', 'urlMap', ['urlMaps']),
};

const grpcSchema = z.strictObject({
  name,
  description: description.optional(),
  urlMap: ref,
  validateForProxyless: z.boolean().default(false),
});
export type TargetGrpcProxy = z.output<typeof grpcSchema>;

export const targetGrpcProxyKind: KindSpec<TargetGrpcProxy> = {
  collection: 'targetGrpcProxies',
  kind: 'compute#targetGrpcProxy',
  scope: 'global',
  fingerprint: true,
  schema: grpcSchema,
  outputOnly: ['selfLinkWithId'],
  refs: (p) => slot(p, 'urlMap', 'urlMap', ['urlMaps']),
};

const tcpSchema = z.strictObject({
  name,
  description: description.optional(),
  service: ref,
  proxyHeader: z.enum(['NONE', 'PROXY_V1']).default('NONE'),
  proxyBind: z.boolean().optional(),
  /** Accepted only to be refused with a message that explains why. */
  urlMap: z.unknown().optional(),
});
export type TargetTcpProxy = z.output<typeof tcpSchema>;

export const targetTcpProxyKind: KindSpec<TargetTcpProxy> = {
  collection: 'targetTcpProxies',
  kind: 'compute#targetTcpProxy',
  scope: 'global',
  fingerprint: false,
  schema: tcpSchema,
  outputOnly: ['region'],
  refs: (p) => slot(p, 'service', 'service', ['backendServices']),
  check(p, ctx) {
    if (p.urlMap !== undefined) {
      ctx.issue(
        'urlMap',
        'target TCP proxies do no HTTP routing and take no URL map: name one backend service in `service`',
      );
    }
  },
};

export const TARGET_PROXY_COLLECTIONS = [
  'targetHttpProxies',
  'targetGrpcProxies',
  'targetTcpProxies',
] as const;
