import { api, enc } from '../api/client';
import type { EndpointHealth, ServiceHealth } from '../api/types';
import type { Tone } from '../components/States';
import type { LoadSample } from '../live';

export type HealthSummary =
  | 'healthy'
  | 'degraded'
  | 'unhealthy'
  | 'fail-open'
  | 'unknown'
  | 'no check'
  | 'no endpoints';

export const SUMMARY_TONE: Record<HealthSummary, Tone> = {
  healthy: 'ok',
  degraded: 'warn',
  unhealthy: 'bad',
  'fail-open': 'warn',
  unknown: 'none',
  'no check': 'none',
  'no endpoints': 'none',
};

/** One word for a set of endpoints, as the topology colours it. */
export function summarize(endpoints: EndpointHealth[], checked: boolean, failOpen: boolean): HealthSummary {
  const live = endpoints.filter((e) => e.effective !== 'DRAINED');
  if (live.length === 0) return 'no endpoints';
  if (!checked) return 'no check';
  if (failOpen) return 'fail-open';
  const bad = live.filter((e) => e.state === 'UNHEALTHY').length;
  // UNKNOWN with a check: the thresholds have not decided yet.
  if (bad === 0) return live.some((e) => e.state === 'HEALTHY') ? 'healthy' : 'unknown';
  return bad === live.length ? 'unhealthy' : 'degraded';
}

/** Health of each named backend service; a service that fails to load is left out. */
export async function loadHealth(project: string, services: string[]): Promise<Map<string, ServiceHealth>> {
  const out = new Map<string, ServiceHealth>();
  await Promise.all(
    services.map(async (name) => {
      try {
        out.set(
          name,
          await api<ServiceHealth>('GET', `/v1/projects/${enc(project)}/backendServices/${enc(name)}/health`),
        );
      } catch {
        // Deleted meanwhile: the next change event reloads.
      }
    }),
  );
  return out;
}

export const HEALTH_TOPICS = [
  'health',
  'backendServices',
  'healthChecks',
  'networkEndpointGroups',
  'networkEndpoints',
] as const;

/** Requests/s in the latest load sample, per backend service and per `service|zone`. */
export function latestRates(samples: readonly LoadSample[]): Map<string, number> {
  const out = new Map<string, number>();
  const last = samples[samples.length - 1];
  for (const l of last?.services ?? []) {
    out.set(l.cluster, (out.get(l.cluster) ?? 0) + l.requestsPerSecond);
    const k = `${l.cluster}|${l.locality.zone}`;
    out.set(k, (out.get(k) ?? 0) + l.requestsPerSecond);
  }
  return out;
}
