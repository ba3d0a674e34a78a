// Summarises a .cpuprofile: self time per category (which part of Vane, which library, GC, idle)
// and the hottest functions. Usage: node dist/bench/xds/profile-summary.js FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const RULES: [RegExp, string][] = [
  [/\/src\/translate\//, 'vane translate'],
  [/\/src\/xds\/validate\/|validate-output/, 'vane output validation'],
  [/\/src\/xds\/cache\/encode/, 'vane encode (toBinary + hash)'],
  [/\/src\/xds\/cache\//, 'vane snapshot cache'],
  [/\/src\/xds\//, 'vane xDS transport'],
  [/\/src\/store\/|better-sqlite3|\/pg\//, 'vane store'],
  [/\/src\/api\/|\/src\/model\/|fastify|zod|\/ajv/, 'vane REST API + model'],
  [/\/src\/gen\/|@bufbuild\/protobuf/, 'protobuf-es'],
  [/@grpc\/grpc-js/, 'grpc-js'],
  [/pino|sonic-boom|thread-stream/, 'logging'],
  [/^node:/, 'node internals'],
];

export function summarise(file: string, top = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = p.endTime - p.startTime;
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    let category = '(native / other)';
    if (functionName === '(garbage collector)') category = 'GC';
    else if (functionName === 'dispatch' && url === '') category = 'profiler itself (stopping, writing)';
    else if (functionName === '(idle)') category = 'idle';
    else if (functionName === '(program)') category = '(program: native, not JS)';
    else
      for (const [re, c] of RULES)
        if (re.test(url)) {
          category = c;
          break;
        }
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const short = url.replace(/^.*\/(node_modules\/|dist\/)/, '');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const fmt = (us: number) => `${(us / 1000).toFixed(0)} ms (${((us / total) * 100).toFixed(1)} %)`;
  const lines = [
    `${file}: ${(total / 1000).toFixed(0)} ms profiled`,
    '',
    '| category | self time |',
    '|---|---|',
  ];
  for (const [c, us] of [...byCategory].sort((a, b) => b[1] - a[1])) lines.push(`| ${c} | ${fmt(us)} |`);
  lines.push('', '| function | self time |', '|---|---|');
  for (const [f, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`| ${f} | ${fmt(us)} |`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js') && process.argv[2] !== undefined) {
  console.log(summarise(process.argv[2], Number(process.argv[3] ?? 15)));
}
