import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';

/** `pathMatchers[0].routeRules[1].priority` → ['pathMatchers', 0, 'routeRules', 1, 'priority']. */
export function parseLocation(location: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of location.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * The 1-based line of YAML `text` that an API field path points at: the key of the field
 * when it is present, else the closest enclosing node that is (a missing required field
 * is reported on its parent). Undefined when the text does not parse.
 */
export function lineOf(text: string, location: string): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return undefined;
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const seg of parseLocation(location)) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(seg),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number] })?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as { range?: [number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return lineCounter.linePos(offset).line;
}
