// The validator over real Envoy admin /config_dump output (test/fixtures/envoy): resources
// that real Envoys (1.18–1.26, Istio / Envoy Gateway / Kuma) accepted must produce no violations.
//
// Each Listener / RouteConfiguration / Cluster / ClusterLoadAssignment in a dump is parsed with
// fromJson (generated types, ignoreUnknownFields: newer/older fields are dropped). Extension
// payloads (Any) whose type is not generated under src/gen (Istio stats, wasm, RBAC, TLS
// contexts...) cannot be parsed: they are replaced by an opaque Any with the same type URL and
// validated with `unknownAnyIsViolation: false`; the test counts them per type and reports it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type DescMessage, fromJson, type JsonValue, type Message, toBinary } from '@bufbuild/protobuf';
import { type ReflectMessage, reflect } from '@bufbuild/protobuf/reflect';
import { type Any, anyUnpack, StringValueSchema } from '@bufbuild/protobuf/wkt';
import { type Cluster, ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { AddressSchema } from '../../../src/gen/envoy/config/core/v3/address_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { type Listener, ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { checkConsistency } from '../../../src/xds/validate/consistency.js';
import { type Violation, validateMessage } from '../../../src/xds/validate/proto-rules.js';
import { envoyRegistry } from '../../../src/xds/validate/registry.js';

// dist/test/xds/validate → repository root → the copies of public Envoy outputs (see SOURCES.md there).
const repoRoot = resolve(import.meta.dirname, '../../../..');
const FIXTURES = resolve(repoRoot, 'test/fixtures/envoy');

/** Admin /config_dump files (envoy.admin.v3.*ConfigDump). The /clusters?format=json and
 *  /listeners?format=json files are admin status output, not resource protos. */
const DUMPS = [
  'istio-sidecar-listeners-config-dump.json',
  'istio-sidecar-full-config-dump-camelcase.json',
  'istio-sidecar-endpoints-config-dump.json',
  'istio-waypoint-config-dump.json',
  'envoy-gateway-config-dump.json',
  'kuma-dataplane-config-dump.json',
];

const RESOURCE_TYPES: readonly DescMessage[] = [
  ListenerSchema,
  RouteConfigurationSchema,
  ClusterSchema,
  ClusterLoadAssignmentSchema,
];

const registry = envoyRegistry();
const OPAQUE = 'vane-opaque-any:';

type JsonObject = { [k: string]: JsonValue };

function isObject(v: JsonValue): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** Replaces Any objects of types we do not have with a StringValue placeholder. */
function prune(v: JsonValue, opaque: Map<string, number>): JsonValue {
  if (Array.isArray(v)) return v.map((x) => prune(x, opaque));
  if (!isObject(v)) return v;
  const t = v['@type'];
  if (typeof t === 'string' && registry.getMessage(typeNameOf(t)) === undefined) {
    opaque.set(t, (opaque.get(t) ?? 0) + 1);
    return { '@type': `type.googleapis.com/${StringValueSchema.typeName}`, value: OPAQUE + t };
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = prune(x, opaque);
  return out;
}

/** Turns the placeholders back into Anys with the original type URL (payload not available). */
function restoreOpaque(rm: ReflectMessage): void {
  if (rm.desc.typeName === 'google.protobuf.Any') {
    const any = rm.message as Any;
    const s = anyUnpack(any, StringValueSchema);
    if (any.typeUrl.endsWith(StringValueSchema.typeName) && s?.value.startsWith(OPAQUE)) {
      any.typeUrl = s.value.slice(OPAQUE.length);
      any.value = new Uint8Array();
      return;
    }
    const desc = registry.getMessage(typeNameOf(any.typeUrl));
    const inner = desc === undefined ? undefined : anyUnpack(any, desc);
    if (desc !== undefined && inner !== undefined) {
      restoreOpaque(reflect(desc, inner as never));
      any.value = reflectToBinary(desc, inner);
    }
    return;
  }
  for (const f of rm.fields) {
    if (!rm.isSet(f)) continue;
    if (f.fieldKind === 'message') restoreOpaque(rm.get(f));
    else if (f.fieldKind === 'list' && f.listKind === 'message')
      for (const x of rm.get(f)) restoreOpaque(x as ReflectMessage);
    else if (f.fieldKind === 'map' && f.mapKind === 'message')
      for (const x of rm.get(f).values()) restoreOpaque(x as ReflectMessage);
  }
}

function reflectToBinary(desc: DescMessage, msg: Message): Uint8Array {
  return toBinary(desc, msg as never);
}

/** Every resource object (with "@type") of the four xDS types in a dump, outermost only. */
function findResources(v: JsonValue, out: JsonObject[]): void {
  if (Array.isArray(v)) {
    for (const x of v) findResources(x, out);
    return;
  }
  if (!isObject(v)) return;
  const t = v['@type'];
  if (typeof t === 'string' && RESOURCE_TYPES.some((d) => d.typeName === typeNameOf(t))) {
    out.push(v);
    return;
  }
  for (const x of Object.values(v)) findResources(x, out);
}

interface Parsed {
  file: string;
  desc: DescMessage;
  name: string;
  message: Message;
  opaqueAnys: number;
}

function load(file: string): { parsed: Parsed[]; failed: string[]; opaque: Map<string, number> } {
  const json = JSON.parse(readFileSync(resolve(FIXTURES, file), 'utf8')) as JsonValue;
  const found: JsonObject[] = [];
  findResources(json, found);
  const parsed: Parsed[] = [];
  const failed: string[] = [];
  const opaque = new Map<string, number>();
  for (const r of found) {
    const desc = RESOURCE_TYPES.find((d) => d.typeName === typeNameOf(String(r['@type'])))!;
    const { '@type': _type, ...body } = r;
    const mine = new Map<string, number>();
    const name = String(r['name'] ?? r['cluster_name'] ?? r['clusterName'] ?? '?');
    try {
      const message = fromJson(desc, prune(body, mine), { registry, ignoreUnknownFields: true });
      restoreOpaque(reflect(desc, message as never));
      let count = 0;
      for (const [t, n] of mine) {
        opaque.set(t, (opaque.get(t) ?? 0) + n);
        count += n;
      }
      parsed.push({ file, desc, name, message, opaqueAnys: count });
    } catch (err) {
      failed.push(`${file} ${desc.name} ${name}: ${(err as Error).message}`);
    }
  }
  return { parsed, failed, opaque };
}

/**
 * The one violation real dumps contain, and why it is not a false positive: Envoy's admin
 * EDS dump synthesizes a ClusterLoadAssignment for the *static* bootstrap cluster
 * `prometheus_stats` and prints the unset locality weight as 0. That CLA never went through
 * xDS; had a control plane sent `load_balancing_weight: 0`, Envoy would have rejected it.
 */
const KNOWN: readonly string[] = [
  'istio-waypoint-config-dump.json ClusterLoadAssignment prometheus_stats endpoints[0].load_balancing_weight uint32.gte',
];

describe('real Envoy config dumps (test/fixtures/envoy)', () => {
  it('the fixtures are present beside the repository', () => {
    assert.ok(existsSync(FIXTURES), `expected the Envoy fixtures at ${FIXTURES}`);
  });

  it('every Listener / RouteConfiguration / Cluster / ClusterLoadAssignment Envoy accepted passes validation', (t) => {
    const seen: string[] = [];
    const all: Parsed[] = [];
    const opaqueTotal = new Map<string, number>();
    for (const file of DUMPS) {
      const { parsed, failed, opaque } = load(file);
      assert.deepEqual(failed, [], `resources of ${file} that do not parse`);
      all.push(...parsed);
      for (const [k, n] of opaque) opaqueTotal.set(k, (opaqueTotal.get(k) ?? 0) + n);
      const withOpaque = parsed.filter((p) => p.opaqueAnys > 0).length;
      t.diagnostic(
        `${file}: ${parsed.length} resources validated (${withOpaque} with opaque extension payloads)`,
      );
      for (const p of parsed) {
        const v: Violation[] = validateMessage(p.desc, p.message, { unknownAnyIsViolation: false });
        for (const x of v) seen.push(`${file} ${p.desc.name} ${p.name} ${x.path} ${x.rule}`);
      }
    }
    const byType = RESOURCE_TYPES.map((d) => `${d.name}=${all.filter((p) => p.desc === d).length}`).join(' ');
    t.diagnostic(`total ${all.length} resources (${byType})`);
    const opaqueCount = [...opaqueTotal.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(
      `${opaqueCount} Any payloads of ${opaqueTotal.size} non-generated types were not looked into:`,
    );
    for (const [k, n] of [...opaqueTotal].sort()) t.diagnostic(`  ${n} × ${k}`);
    assert.ok(all.length >= 100, `only ${all.length} resources found`);
    for (const d of RESOURCE_TYPES)
      assert.ok(
        all.some((p) => p.desc === d),
        `no ${d.name} in the fixtures`,
      );
    assert.deepEqual(seen, KNOWN);
  });

  it('host addresses in istio /clusters?format=json validate as envoy.config.core.v3.Address', (t) => {
    // envoy.admin.v3.Clusters is not generated; its hosts' `address` fields are core Addresses.
    const json = JSON.parse(
      readFileSync(resolve(FIXTURES, 'istio-sidecar-clusters-format-json.json'), 'utf8'),
    ) as JsonValue;
    const addresses: JsonValue[] = [];
    const walk = (v: JsonValue): void => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (isObject(v)) {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'hostStatuses' || k === 'host_statuses') {
            for (const h of Array.isArray(x) ? x : [])
              if (isObject(h) && h['address'] !== undefined) addresses.push(h['address']);
          } else walk(x);
        }
      }
    };
    walk(json);
    t.diagnostic(`${addresses.length} host addresses validated`);
    assert.ok(addresses.length >= 5, `only ${addresses.length} host addresses`);
    for (const a of addresses) {
      const msg = fromJson(AddressSchema, a, { registry, ignoreUnknownFields: true });
      assert.deepEqual(validateMessage(AddressSchema, msg), [], JSON.stringify(a));
    }
  });

  it('the Envoy Gateway dump (all four types) is a consistent snapshot', () => {
    const { parsed } = load('envoy-gateway-config-dump.json');
    const of = <T>(d: DescMessage) => parsed.filter((p) => p.desc === d).map((p) => p.message as T);
    const snapshot = {
      listeners: of<Listener>(ListenerSchema),
      routes: of<RouteConfiguration>(RouteConfigurationSchema),
      clusters: of<Cluster>(ClusterSchema),
      endpoints: of<ClusterLoadAssignment>(ClusterLoadAssignmentSchema),
    };
    for (const [k, list] of Object.entries(snapshot)) assert.ok(list.length > 0, `no ${k}`);
    assert.deepEqual(checkConsistency(snapshot), []);
    // And it notices when a referenced resource goes away (its clusters are STATIC with inline
    // load_assignment, so only the RDS reference can break).
    const broken = { ...snapshot, routes: [] };
    assert.deepEqual(
      checkConsistency(broken).map((v) => `${v.path} ${v.rule}`),
      [
        'listeners[default-eg-http].default_filter_chain.filters[0].typed_config.rds.route_config_name route.missing',
      ],
    );
  });
});
