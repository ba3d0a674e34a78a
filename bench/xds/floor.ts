// Starts the floor server (floor-server.ts) in its own process and drives it over stdin/stdout.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface Floor {
  address: string;
  pid: number;
  /** Writes every stream its recorded response(s) of `phase`; resolves once they are queued. */
  push(phase: string): Promise<void>;
  stop(): void;
}

export async function startFloor(recordings: string[]): Promise<Floor> {
  const child = spawn(
    process.execPath,
    [resolve(import.meta.dirname, 'floor-server.js'), '--recordings', recordings.join(',')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const port = (await next()).split(' ')[1];
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid!,
    async push(phase) {
      const answer = next();
      child.stdin!.write(`push ${phase}\n`);
      await answer;
    },
    stop() {
      child.stdin!.write('exit\n');
      setTimeout(() => child.kill(), 1000).unref();
    },
  };
}
