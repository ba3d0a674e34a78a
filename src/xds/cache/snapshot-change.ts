import type { EncodedResource, Snapshot, SnapshotChange, TypeUrl } from '../types.js';

/** The names each type added, changed or removed from `from` to `to`. */
export function snapshotChange(from: Snapshot, to: Snapshot): SnapshotChange {
  const names = new Map<TypeUrl, Set<string>>();
  for (const [typeUrl, version] of to.versions) {
    if (from.versions.get(typeUrl) === version) continue;
    const before: ReadonlyMap<string, EncodedResource> = from.resources.get(typeUrl) ?? new Map();
    const after: ReadonlyMap<string, EncodedResource> = to.resources.get(typeUrl) ?? new Map();
    const changed = new Set<string>();
    for (const [name, r] of after) if (before.get(name)?.version !== r.version) changed.add(name);
    for (const name of before.keys()) if (!after.has(name)) changed.add(name);
    names.set(typeUrl, changed);
  }
  return { from, names };
}
