// Preloaded into the `vane serve` under test (NODE_OPTIONS=--expose-gc --import=…); it changes
// nothing until the bench sends SIGUSR2 with a command in $VANE_BENCH_HOOK_FILE.cmd:
//   memory         full GC (twice, with a pause so freed pages go back), then process.memoryUsage()
//   profile-start  starts the V8 CPU profiler (node:inspector, in process)
//   profile-stop   stops it and writes the .cpuprofile to the path on the command's second line
// The answer (JSON) goes to $VANE_BENCH_HOOK_FILE.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.VANE_BENCH_HOOK_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
let session: Session | undefined;

function answer(value: unknown): void {
  writeFileSync(file!, JSON.stringify(value));
}

if (file !== undefined) {
  process.on('SIGUSR2', () => {
    const [cmd, arg] = readFileSync(`${file}.cmd`, 'utf8').split('\n');
    if (cmd === 'memory') {
      gc?.();
      setTimeout(() => {
        gc?.();
        answer({ ...process.memoryUsage(), at: Date.now() });
      }, 500);
    } else if (cmd === 'profile-start') {
      session ??= new Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session!.post('Profiler.start', (err) => answer({ started: err === null })),
      );
    } else if (cmd === 'profile-stop' && session !== undefined) {
      session.post('Profiler.stop', (err, result) => {
        if (err === null) writeFileSync(arg!, JSON.stringify(result.profile));
        session!.disconnect();
        answer({ written: err === null ? arg : undefined });
      });
    }
  });
}
