// Backend services that something routes to: without endpoints, without a health check,
// failing open (translation's own ≥ 99 % rule decides), or checked on a port no probe can find.
import { resolvePort } from '../../health/checker.js';
import { type HealthCheck, healthCheckDetails } from '../../model/kinds/health-check.js';
import { buildClusterEndpoints } from '../../translate/ir/endpoints.js';
import type { Loaded } from '../../translate/ir/resources.js';
import type { NodeView, TranslateInput } from '../../translate/types.js';
import { type Finding, finding } from '../finding.js';
import { type Mesh, short } from './mesh.js';

export function backendFindings(input: TranslateInput, mesh: Mesh): Finding[] {
  const checks = new Map(
    (input.resources.healthChecks ?? []).map((r) => [
      `projects/${r.project}/global/healthChecks/${r.name}`,
      r,
    ]),
  );
  const out: Finding[] = [];
  for (const [path, users] of [...mesh.usedBy].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bs = mesh.res.get('backendServices', path);
    if (bs === undefined) continue;
    const usedBy = `used by ${[...new Set(users)].map(short).join(', ')}`;
    const empty = noBackends(input, bs, usedBy);
    if (empty !== undefined) out.push(empty);
    const checkPath = bs.body.healthChecks?.[0];
    if (checkPath === undefined) {
      out.push(
        finding('BACKEND_SERVICE_NO_HEALTH_CHECK', `${short(path)} has no health check`, [usedBy], {
          subject: path,
        }),
      );
      continue;
    }
    const check = checks.get(checkPath);
    if (check !== undefined) {
      const hc = { ...check.body, name: check.name } as unknown as HealthCheck;
      const resolved = resolvePort(hc, 1);
      if ('error' in resolved) {
        out.push(
          finding(
            'HEALTH_CHECK_PORT_UNRESOLVED',
            `${short(checkPath)} cannot tell which port to probe on the endpoints of ${short(path)}: ${resolved.error}`,
            [`${checkPath}: ${hc.type} ${JSON.stringify(healthCheckDetails(hc))}`, usedBy],
            { subject: checkPath },
          ),
        );
      }
    }
    const open = failOpen(input, mesh, bs);
    if (open !== undefined) out.push(open);
  }
  return out;
}

function noBackends(
  input: TranslateInput,
  bs: Loaded<'backendServices'>,
  usedBy: string,
): Finding | undefined {
  const backends = bs.body.backends ?? [];
  if (backends.length === 0)
    return finding('BACKEND_SERVICE_NO_BACKENDS', `${short(bs.path)} has no backends`, [usedBy], {
      subject: bs.path,
    });
  const evidence: string[] = [];
  for (const b of backends) {
    const count = input.endpoints.get(b.group)?.length ?? 0;
    if (count > 0 && b.capacityScaler > 0) return undefined;
    evidence.push(
      `${b.group}: ${count} endpoints${b.capacityScaler > 0 ? '' : ', capacityScaler 0 (drained)'}`,
    );
  }
  return finding(
    'BACKEND_SERVICE_NO_BACKENDS',
    `${short(bs.path)} has backends, but none with endpoints that can take traffic`,
    [...evidence, usedBy],
    {
      subject: bs.path,
      fix: 'attach endpoints to its NEGs (attachNetworkEndpoints), or undrain a backend (capacityScaler > 0)',
    },
  );
}

/** Translation's decision for the service; the counts come from the same health map. */
function failOpen(input: TranslateInput, mesh: Mesh, bs: Loaded<'backendServices'>): Finding | undefined {
  const view: NodeView = {
    projectNumber: input.project.number,
    network: '',
    kind: 'envoy',
    metadata: {},
    inboundBackendPorts: [],
    enableTracing: false,
  };
  const ir = buildClusterEndpoints(bs, input, mesh.res, view, []);
  if (ir.failOpen !== true) return undefined;
  const endpoints = ir.localities.flatMap((l) => l.endpoints);
  const unhealthy = endpoints.filter(
    (e) => input.health.get(`${e.source}|${e.address}|${e.port}`) === 'UNHEALTHY',
  );
  return finding(
    'FAIL_OPEN_ACTIVE',
    `${unhealthy.length} of ${endpoints.length} endpoints of ${short(bs.path)} are unhealthy: health is ignored and every endpoint gets traffic`,
    [
      ...unhealthy.slice(0, 10).map((e) => `${short(e.source)} ${e.address}:${e.port} UNHEALTHY`),
      ...(unhealthy.length > 10 ? [`… and ${unhealthy.length - 10} more`] : []),
      `health check: ${bs.body.healthChecks?.[0] ?? 'none'}`,
    ],
    {
      subject: bs.path,
      fix: `fix the backends of ${short(bs.path)} or its health check (vane health ${bs.name})`,
    },
  );
}
