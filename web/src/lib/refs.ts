/** A resource reference reduced to what the console needs: collection, name and zone. */
export interface Ref {
  collection: string;
  name: string;
  zone?: string;
}

const REF = /(?:^|\/)(global|zones\/([^/]+))\/([A-Za-z]+)\/([^/?#]+)$/;

/** Parses a full URL, `projects/P/global/C/N` or `global/C/N` (also zonal forms). */
export function parseRef(ref: string | undefined | null): Ref | undefined {
  if (!ref) return undefined;
  const m = REF.exec(ref);
  if (!m) return undefined;
  return { collection: m[3]!, name: m[4]!, ...(m[2] ? { zone: m[2] } : {}) };
}

/** A stable key for a reference: `global/urlMaps/x` or `zones/z/networkEndpointGroups/n`. */
export function refKey(ref: Ref): string {
  return `${ref.zone ? `zones/${ref.zone}` : 'global'}/${ref.collection}/${ref.name}`;
}

export function keyOf(ref: string | undefined | null): string | undefined {
  const r = parseRef(ref);
  return r ? refKey(r) : undefined;
}

/** The last path segment of a reference (its name), or the input when it is not one. */
export function shortName(ref: string | undefined | null): string {
  if (!ref) return '';
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** The console page of a resource. */
export function pageOf(project: string, ref: Ref): string {
  const p = `/p/${encodeURIComponent(project)}`;
  const name = encodeURIComponent(ref.name);
  if (ref.collection === 'urlMaps') return `${p}/urlMaps/${name}`;
  if (ref.collection === 'backendServices') return `${p}/backendServices/${name}`;
  if (ref.collection === 'healthChecks') return `${p}/healthChecks?name=${name}`;
  return `${p}/resources/${ref.collection}/${name}${ref.zone ? `?zone=${encodeURIComponent(ref.zone)}` : ''}`;
}
