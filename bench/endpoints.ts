// Attaches 10,000 endpoints to a NEG in batches of 500 through the REST API of a real
// `vane serve`, then lists them all, on each store. Prints a Markdown table.
// Usage: npm run bench:endpoints [-- --endpoints 10000 --batch 500 --stores sqlite,postgres]
import { parseArgs } from 'node:util';
import { postgresUrl, startVane } from '../test/helpers/server.js';

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
    stores: { type: 'string', default: 'sqlite,postgres' },
  },
});
const total = Number(values.endpoints);
const batch = Number(values.batch);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function bench(driver: string) {
  const server = await startVane(driver === 'postgres' ? { store: postgresUrl() } : {});
  try {
    await server.api('POST', '/v1/projects', { projectId: 'bench' });
    const neg = '/compute/v1/projects/bench/zones/us-central1-a/networkEndpointGroups';
    await server.api('POST', neg, { name: 'neg', defaultPort: 8080 });
    const batches: number[] = [];
    const started = performance.now();
    for (let i = 0; i < total; i += batch) {
      const networkEndpoints = Array.from({ length: Math.min(batch, total - i) }, (_, j) => {
        const n = i + j;
        return { ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 8080 };
      });
      const t = performance.now();
      const res = await server.api('POST', `${neg}/neg/attachNetworkEndpoints`, { networkEndpoints });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      batches.push(performance.now() - t);
    }
    const attachMs = performance.now() - started;

    const listStart = performance.now();
    let listed = 0;
    let token: string | undefined;
    do {
      const page = await server.api(
        'POST',
        `${neg}/neg/listNetworkEndpoints?maxResults=500${token ? `&pageToken=${token}` : ''}`,
      );
      listed += (page.body.items as unknown[]).length;
      token = page.body.nextPageToken as string | undefined;
    } while (token);
    const listMs = performance.now() - listStart;
    if (listed !== total) throw new Error(`listed ${listed} of ${total}`);
    const size = (await server.api('GET', `${neg}/neg`)).body.size;
    if (size !== total) throw new Error(`size ${String(size)} != ${total}`);
    batches.sort((a, b) => a - b);
    return {
      driver,
      attachMs,
      perSecond: (total / attachMs) * 1000,
      p50: percentile(batches, 50),
      p99: percentile(batches, 99),
      max: batches.at(-1)!,
      listMs,
    };
  } finally {
    await server.stop();
  }
}

const rows = [];
for (const driver of values.stores.split(',')) rows.push(await bench(driver));
console.log(`\n${total} endpoints, batches of ${batch}, one client, loopback HTTP\n`);
console.log(
  '| store | attach all | endpoints/s | batch p50 | batch p99 | batch max | list all (pages of 500) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `| ${r.driver} | ${f(r.attachMs)} | ${Math.round(r.perSecond)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.listMs)} |`,
  );
}
