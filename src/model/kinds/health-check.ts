import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { description, int, name, port } from './common.js';

const portSpecification = z.enum(['USE_FIXED_PORT', 'USE_NAMED_PORT', 'USE_SERVING_PORT']);
const proxyHeader = z.enum(['NONE', 'PROXY_V1']);
const portFields = {
  port: port.optional(),
  portName: z.string().min(1).max(63).optional(),
  portSpecification: portSpecification.optional(),
};
const tcpLike = z.strictObject({
  ...portFields,
  request: z.string().max(1024).optional(),
  response: z.string().max(1024).optional(),
  proxyHeader: proxyHeader.optional(),
});
const httpLike = z.strictObject({
  ...portFields,
  host: z.string().max(255).optional(),
  requestPath: z.string().startsWith('/', "must start with '/'").max(1024).optional(),
  response: z.string().max(1024).optional(),
  proxyHeader: proxyHeader.optional(),
});
const grpc = z.strictObject({ ...portFields, grpcServiceName: z.string().max(1024).optional() });

const TYPES = ['TCP', 'SSL', 'HTTP', 'HTTPS', 'HTTP2', 'GRPC'] as const;
export type HealthCheckType = (typeof TYPES)[number];

const schema = z.strictObject({
  name,
  description: description.optional(),
  type: z.enum(TYPES),
  checkIntervalSec: int(1, 300).default(5),
  timeoutSec: int(1, 300).default(5),
  healthyThreshold: int(1, 10).default(2),
  unhealthyThreshold: int(1, 10).default(2),
  tcpHealthCheck: tcpLike.optional(),
  sslHealthCheck: tcpLike.optional(),
  httpHealthCheck: httpLike.optional(),
  httpsHealthCheck: httpLike.optional(),
  http2HealthCheck: httpLike.optional(),
  grpcHealthCheck: grpc.optional(),
  logConfig: z.strictObject({ enable: z.boolean() }).optional(),
});

export type HealthCheck = z.output<typeof schema>;
type PortFields = {
  port?: number;
  portName?: string;
  portSpecification?: z.output<typeof portSpecification>;
};

/** The sub-object each type carries, and the port used when none is named. */
const TYPE_FIELD: Record<HealthCheckType, { field: keyof HealthCheck; defaultPort?: number }> = {
  TCP: { field: 'tcpHealthCheck', defaultPort: 80 },
  SSL: { field: 'sslHealthCheck', defaultPort: 443 },
  HTTP: { field: 'httpHealthCheck', defaultPort: 80 },
  HTTPS: { field: 'httpsHealthCheck', defaultPort: 443 },
  HTTP2: { field: 'http2HealthCheck', defaultPort: 443 },
  GRPC: { field: 'grpcHealthCheck' },
};

export function healthCheckDetails(hc: HealthCheck): PortFields & Record<string, unknown> {
  return (hc[TYPE_FIELD[hc.type].field] ?? {}) as PortFields & Record<string, unknown>;
}

export const healthCheckKind: KindSpec<HealthCheck> = {
  collection: 'healthChecks',
  kind: 'compute#healthCheck',
  scope: 'global',
  fingerprint: false,
  schema,
  outputOnly: ['region'],
  normalize(hc) {
    const { field, defaultPort } = TYPE_FIELD[hc.type];
    const details = (hc[field] ?? {}) as PortFields;
    if (details.portSpecification === undefined) {
      if (details.port !== undefined) details.portSpecification = 'USE_FIXED_PORT';
      else if (details.portName !== undefined) details.portSpecification = 'USE_NAMED_PORT';
      else if (defaultPort !== undefined)
        Object.assign(details, { port: defaultPort, portSpecification: 'USE_FIXED_PORT' });
      else details.portSpecification = 'USE_SERVING_PORT';
    }
    if (field === 'httpHealthCheck' || field === 'httpsHealthCheck' || field === 'http2HealthCheck') {
      const http = details as { requestPath?: string };
      http.requestPath ??= '/';
    }
    (hc as Record<string, unknown>)[field] = details;
  },
  check(hc, ctx) {
    const { field } = TYPE_FIELD[hc.type];
    for (const other of Object.values(TYPE_FIELD)) {
      if (other.field !== field && hc[other.field] !== undefined) {
        ctx.issue(other.field, `must not be set on a health check of type ${hc.type}: use ${field}`);
      }
    }
    if (hc.timeoutSec > hc.checkIntervalSec) {
      ctx.issue('timeoutSec', `must not be greater than checkIntervalSec (${hc.checkIntervalSec})`);
    }
    const details = healthCheckDetails(hc);
    switch (details.portSpecification) {
      case 'USE_FIXED_PORT':
        if (details.port === undefined)
          ctx.issue(`${field}.port`, 'is required with portSpecification USE_FIXED_PORT');
        if (details.portName !== undefined)
          ctx.issue(`${field}.portName`, 'must not be set with portSpecification USE_FIXED_PORT');
        break;
      case 'USE_NAMED_PORT':
        if (details.portName === undefined)
          ctx.issue(`${field}.portName`, 'is required with portSpecification USE_NAMED_PORT');
        if (details.port !== undefined)
          ctx.issue(`${field}.port`, 'must not be set with portSpecification USE_NAMED_PORT');
        break;
      case 'USE_SERVING_PORT':
        if (details.port !== undefined)
          ctx.issue(`${field}.port`, 'must not be set with portSpecification USE_SERVING_PORT');
        if (details.portName !== undefined)
          ctx.issue(`${field}.portName`, 'must not be set with portSpecification USE_SERVING_PORT');
        break;
    }
  },
  refs: () => [],
};
