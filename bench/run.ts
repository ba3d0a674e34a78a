// `npm run bench`: the whole suite, each part in its own process, results merged into
// bench/results/<date>-<quick|full>[-<only>][-<tag>].json. Quick (default, a few minutes): 1,000 proxies;
// --full: the targets of docs/benchmarks.md (10,000 proxies on 1,000 connections).
// Parts: translation microbenchmark; proxyless SotW with the floor; proxyless delta; Envoy
// sidecars (SotW, every service); a connect storm through admission control and connection age.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { log } from './xds/report.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    // Appended to the results file name, so a later run the same day does not replace one.
    tag: { type: 'string' },
  },
});
const full = values.full;
const N = full ? 10_000 : 1_000;
const xds = [
  '--services',
  '1000',
  '--endpoints',
  '10',
  '--connections',
  String(full ? 1000 : N),
  '--workers',
  '2',
];
const parts: [string, string, string[]][] = [
  ['translation', 'translate.js', []],
  ['sotw', 'xds/main.js', [...xds, '--proxies', String(N), '--floor']],
  ['delta', 'xds/main.js', [...xds, '--proxies', String(N), '--protocol', 'delta']],
  [
    'envoy',
    'xds/main.js',
    [
      ...xds,
      '--proxies',
      String(full ? 500 : 100),
      '--connections',
      String(full ? 500 : 100),
      '--view',
      'envoy',
    ],
  ],
  [
    'admission',
    'xds/main.js',
    [
      ...xds,
      '--proxies',
      String(N),
      '--reconnect',
      // `=`: a value that starts with -- would be read as an option.
      `--vane-args=--new-streams-per-second ${full ? 1000 : 200} --max-connection-age 60`,
    ],
  ],
];

const tmp = join(tmpdir(), `vane-bench-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  loadavgAtStart: loadavg(),
};
let failed = false;
for (const [name, script, args] of parts) {
  if (values.only !== undefined && !values.only.split(',').includes(name)) continue;
  const json = join(tmp, `${name}.json`);
  log(`${name}: node ${script} ${args.join(' ')} (load ${loadavg()[0]!.toFixed(2)})`);
  const r = spawnSync(process.execPath, [resolve(import.meta.dirname, script), ...args, '--json', json], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed = true;
  try {
    results[name] = { args, exitCode: r.status, ...JSON.parse(readFileSync(json, 'utf8')) };
  } catch {
    results[name] = { args, exitCode: r.status };
  }
}
rmSync(tmp, { recursive: true, force: true });
const dir = resolve(import.meta.dirname, '../../bench/results');
mkdirSync(dir, { recursive: true });
const only = values.only === undefined ? '' : `-${values.only.replaceAll(',', '-')}`;
const tag = values.tag === undefined ? '' : `-${values.tag}`;
const out = join(
  dir,
  `${new Date().toISOString().slice(0, 10)}-${full ? 'full' : 'quick'}${only}${tag}.json`,
);
writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
log(`results: ${out}`);
if (failed) process.exitCode = 1;
