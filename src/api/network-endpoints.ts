import { isIP } from 'node:net';
import type { NetworkEndpointGroup } from '../model/kinds/network-endpoint-group.js';
import type { StoreTx } from '../store/store.js';
import type { NetworkEndpoint, ResourceRecord } from '../store/types.js';
import { type ErrorItem, invalid } from './errors.js';

/** The Compute API limits one attach/detach call to 500 endpoints. */
export const MAX_ENDPOINTS_PER_CALL = 500;

/**
 * Validates `networkEndpoints[]` of an attach/detach body against the NEG: IP literals,
 * ports (or the NEG's defaultPort), instances that exist in the NEG's zone, no duplicates.
 */
export async function parseEndpoints(
  tx: StoreTx,
  neg: ResourceRecord,
  raw: unknown,
  location = 'networkEndpoints',
  limit = MAX_ENDPOINTS_PER_CALL,
): Promise<NetworkEndpoint[]> {
  if (!Array.isArray(raw))
    throw invalid([{ reason: 'required', message: 'must be a list of network endpoints', location }]);
  if (raw.length > limit) {
    throw invalid([
      { reason: 'invalid', message: `at most ${limit} endpoints per call, got ${raw.length}`, location },
    ]);
  }
  const body = neg.body as NetworkEndpointGroup;
  const issues: ErrorItem[] = [];
  const out: NetworkEndpoint[] = [];
  const seen = new Map<string, number>();
  const instances = new Map<string, string | undefined>();
  for (const [i, item] of raw.entries()) {
    const at = `${location}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      issues.push({
        reason: 'invalid',
        message: 'must be an object {ipAddress, port, instance}',
        location: at,
      });
      continue;
    }
    const { ipAddress, port, instance, ...rest } = item as Record<string, unknown>;
    for (const key of Object.keys(rest)) {
      if (key !== 'annotations' && key !== 'fqdn')
        issues.push({ reason: 'invalid', message: `unknown field '${key}'`, location: `${at}.${key}` });
    }
    let instanceName = '';
    let ip = ipAddress;
    if (instance !== undefined) {
      if (typeof instance !== 'string' || instance === '') {
        issues.push({
          reason: 'invalid',
          message: 'must be an instance name or reference',
          location: `${at}.instance`,
        });
        continue;
      }
      instanceName = instance.replace(/^.*\/instances\//, '');
      if (!instances.has(instanceName)) {
        const rec = await tx.getResource(`projects/${neg.project}/${neg.scope}/instances/${instanceName}`);
        instances.set(instanceName, rec ? String(rec.body.networkIP) : undefined);
      }
      const instanceIp = instances.get(instanceName);
      if (instanceIp === undefined) {
        issues.push({
          reason: 'invalid',
          message: `instance '${instanceName}' was not found in ${neg.scope}`,
          location: `${at}.instance`,
        });
        continue;
      }
      ip ??= instanceIp;
    } else if (body.networkEndpointType === 'GCE_VM_IP_PORT' && ipAddress === undefined) {
      issues.push({
        reason: 'required',
        message: 'is required (or name an instance)',
        location: `${at}.ipAddress`,
      });
      continue;
    }
    if (typeof ip !== 'string' || isIP(ip) === 0) {
      issues.push({
        reason: 'invalid',
        message: `'${String(ip)}' is not an IP address literal`,
        location: `${at}.ipAddress`,
      });
      continue;
    }
    const p = port ?? body.defaultPort;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
      issues.push({
        reason: port === undefined ? 'required' : 'invalid',
        message:
          port === undefined
            ? 'is required: the NEG has no defaultPort'
            : 'must be an integer from 1 to 65535',
        location: `${at}.port`,
      });
      continue;
    }
    const key = `${instanceName}|${ip}|${p}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ reason: 'invalid', message: `duplicates ${location}[${first}]`, location: at });
      continue;
    }
    seen.set(key, i);
    out.push({ ipAddress: ip, port: p, instance: instanceName });
  }
  if (issues.length > 0) throw invalid(issues);
  return out;
}

export function renderEndpoint(ep: NetworkEndpoint): Record<string, unknown> {
  return { ipAddress: ep.ipAddress, port: ep.port, ...(ep.instance ? { instance: ep.instance } : {}) };
}
