import { enc, storedToken } from './client';

export interface ServerEvent {
  event: string;
  data: unknown;
}

/**
 * Follows `GET /v1/projects/{p}/events` with fetch (EventSource cannot send the bearer
 * token), reconnecting with back-off. Returns a function that stops it.
 */
export function followEvents(
  project: string,
  onEvent: (e: ServerEvent) => void,
  onState: (connected: boolean) => void,
): () => void {
  const abort = new AbortController();
  let delay = 1000;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`/v1/projects/${enc(project)}/events`, {
          headers: { authorization: `Bearer ${storedToken() ?? ''}` },
          signal: abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState(true);
        delay = 1000;
        await readStream(res.body, onEvent);
      } catch {
        // Reconnect below unless stopped.
      }
      onState(false);
      if (abort.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void run();
  return () => abort.abort();
}

/** Parses `event:`/`data:` blocks separated by blank lines (the text/event-stream format). */
async function readStream(body: ReadableStream<Uint8Array>, onEvent: (e: ServerEvent) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseBlock(block);
      if (parsed) onEvent(parsed);
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseBlock(block: string): ServerEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return undefined;
  try {
    return { event, data: JSON.parse(data.join('\n')) };
  } catch {
    return { event, data: data.join('\n') };
  }
}
