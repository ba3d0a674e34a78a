// File helpers for collectors: reading what exists, the tail of logs, stat in evidence form.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { StatInfo } from '../evidence.js';

/** Lines kept from the end of a log. */
export const TAIL_LINES = 5000;
/** Bytes read from the end of a log, at most: enough for TAIL_LINES ordinary lines. */
const TAIL_BYTES = 4 * 1024 * 1024;

/** The first path of `paths` that is a readable file. */
export function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

export const isFile = (p: string): boolean => firstExisting([p]) !== undefined;

/** The last `lines` lines of a file, read from its end so that big logs stay cheap. */
export function readTail(path: string, lines = TAIL_LINES): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    let text = buf.toString('utf8');
    // A cut at the start leaves a partial first line: drop it.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.length <= lines ? text : `${all.slice(-lines).join('\n')}\n`;
  } finally {
    closeSync(fd);
  }
}

export function statInfo(path: string): StatInfo {
  const s = statSync(path);
  return { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777, isDirectory: s.isDirectory() };
}
