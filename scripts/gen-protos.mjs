// Generates TypeScript for the Envoy / xDS protos Vane speaks, from the .proto files that
// @grpc/grpc-js-xds ships (about Envoy 1.31), with buf and protoc-gen-es. The output in
// src/gen/ is committed and never edited by hand: run `npm run gen:proto` after changing
// the list below or upgrading @grpc/grpc-js-xds.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const deps = join(root, 'node_modules/@grpc/grpc-js-xds/deps');
const out = join(root, 'src/gen');

/** Entry points; everything they import is generated too. */
const PROTOS = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/load_stats/v3/lrs.proto',
  'envoy/service/status/v3/csds.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/admin/v3/config_dump.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/request_id/uuid/v3/uuid.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
];

const work = mkdtempSync(join(tmpdir(), 'vane-protos-'));
try {
  for (const dir of ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']) {
    cpSync(join(deps, dir), join(work, dir), { recursive: true });
  }
  rmSync(join(work, 'protoc-gen-validate/tests'), { recursive: true, force: true });
  rmSync(join(work, 'protoc-gen-validate/java'), { recursive: true, force: true });
  // The shipped validate.proto predates StringRules.ignore_empty, which the Envoy protos
  // use; protobufjs ignores unknown options, a strict compiler does not. Add the field
  // with upstream protoc-gen-validate's number.
  const validate = join(work, 'protoc-gen-validate/validate/validate.proto');
  const strict = 'optional bool strict = 25 [default = true];';
  const text = readFileSync(validate, 'utf8');
  if (!text.includes('ignore_empty')) {
    if (!text.includes(strict)) throw new Error('validate.proto changed: revisit the ignore_empty patch');
    writeFileSync(validate, text.replace(strict, `${strict}\n  optional bool ignore_empty = 26;`));
  }
  writeFileSync(
    join(work, 'buf.yaml'),
    'version: v2\nmodules:\n  - path: envoy-api\n  - path: xds\n  - path: googleapis\n  - path: protoc-gen-validate\n',
  );
  const plugin = join(root, 'node_modules/@bufbuild/protoc-gen-es/bin/protoc-gen-es');
  writeFileSync(
    join(work, 'buf.gen.yaml'),
    [
      'version: v2',
      'clean: true',
      'plugins:',
      `  - local: ["${process.execPath}", "${plugin}"]`,
      `    out: ${out}`,
      '    opt: [target=ts, import_extension=js]',
      '    include_imports: true',
      '',
    ].join('\n'),
  );
  const paths = PROTOS.flatMap((p) => ['--path', join('envoy-api', p)]);
  execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', ...paths], { cwd: work, stdio: 'inherit' });
  console.log(`generated ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
