import { stringify } from 'yaml';
import type { KindSpec } from '../model/kind.js';
import type { OutputFormat } from './client.js';

export type Row = Record<string, unknown>;

export interface Column {
  header: string;
  value: (row: Row) => unknown;
}

/** YAML as people write it: block style, no folding of long strings. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Aligned columns, headers first; empty values print as `-`. */
export function toTable(rows: readonly Row[], columns: readonly Column[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Prints `value` as JSON or YAML, or `rows` as a table. */
export function render(
  format: OutputFormat,
  value: unknown,
  rows: readonly Row[],
  columns: readonly Column[],
): string {
  switch (format) {
    case 'json':
      return toJson(value);
    case 'yaml':
      return toYaml(value);
    default:
      return toTable(rows, columns);
  }
}

/** `https://…/projects/p/global/backendServices/wallet` → `backendServices/wallet`. */
export function shortRef(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || ref === '') return undefined;
  const m = /([A-Za-z]+\/[^/]+)$/.exec(ref);
  return m ? m[1] : ref;
}

/** `…/zones/us-central1-a` → `us-central1-a`. */
export function lastSegment(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref !== '' ? ref.replace(/^.*\//, '') : undefined;
}

const get = (key: string) => (row: Row) => row[key];
const col = (header: string, value: (row: Row) => unknown): Column => ({ header, value });

/** Columns for a kind: NAME, ZONE for zonal kinds, a few that matter for the kind, CREATED. */
export function columnsFor(spec: KindSpec): Column[] {
  const cols: Column[] = [col('NAME', (r) => r.name ?? lastSegment(r.selfLink))];
  if (spec.scope === 'zonal') cols.push(col('ZONE', (r) => lastSegment(r.zone)));
  switch (spec.collection) {
    case 'networks':
      cols.push(col('AUTO_SUBNETS', get('autoCreateSubnetworks')));
      break;
    case 'healthChecks':
      cols.push(
        col('TYPE', get('type')),
        col('PORT', (r) => {
          const details = Object.entries(r).find(([k]) => k.endsWith('HealthCheck'))?.[1] as Row | undefined;
          return (
            details?.port ??
            details?.portName ??
            (details?.portSpecification === 'USE_SERVING_PORT' ? 'serving' : undefined)
          );
        }),
      );
      break;
    case 'instances':
      cols.push(col('INTERNAL_IP', get('networkIP')));
      break;
    case 'networkEndpointGroups':
      cols.push(
        col('TYPE', get('networkEndpointType')),
        col('DEFAULT_PORT', get('defaultPort')),
        col('SIZE', get('size')),
      );
      break;
    case 'backendServices':
      cols.push(
        col('PROTOCOL', get('protocol')),
        col('SCHEME', get('loadBalancingScheme')),
        col('BACKENDS', (r) =>
          Array.isArray(r.backends) ? r.backends.map((b: Row) => shortRef(b.group)) : undefined,
        ),
      );
      break;
    case 'urlMaps':
      cols.push(
        col('DEFAULT_SERVICE', (r) => shortRef(r.defaultService)),
        col('HOSTS', (r) =>
          Array.isArray(r.hostRules)
            ? r.hostRules.flatMap((h: Row) => (Array.isArray(h.hosts) ? h.hosts : []))
            : undefined,
        ),
      );
      break;
    case 'targetHttpProxies':
    case 'targetGrpcProxies':
      cols.push(col('URL_MAP', (r) => shortRef(r.urlMap)));
      if (spec.collection === 'targetGrpcProxies') cols.push(col('PROXYLESS', get('validateForProxyless')));
      break;
    case 'targetTcpProxies':
      cols.push(col('SERVICE', (r) => shortRef(r.service)));
      break;
    case 'forwardingRules':
      cols.push(
        col(
          'IP:PORT',
          (r) => `${String(r.IPAddress ?? '')}:${String(r.portRange ?? '').replace(/^(\d+)-\1$/, '$1')}`,
        ),
        col('TARGET', (r) => shortRef(r.target)),
      );
      break;
  }
  cols.push(col('CREATED', get('creationTimestamp')));
  return cols;
}
