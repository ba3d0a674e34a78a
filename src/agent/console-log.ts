import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The agent's serial-console equivalent: every action, one timestamped line, appended to a
 * file that survives the agent (and read by `vane doctor`), and the same line on stdout.
 * Writes are synchronous so that the last line before a crash is on disk.
 */
export class ConsoleLog {
  private fileFailed = false;

  constructor(
    private readonly file: string,
    private readonly stdout: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch {
      // reported on the first write
    }
  }

  line(message: string): void {
    const text = `${new Date().toISOString()} vane-agent: ${message}`;
    this.stdout(text);
    try {
      appendFileSync(this.file, `${text}\n`);
      this.fileFailed = false;
    } catch (err) {
      if (!this.fileFailed)
        this.stdout(`${text} (console log ${this.file} is not writable: ${(err as Error).message})`);
      this.fileFailed = true;
    }
  }
}
