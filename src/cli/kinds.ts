import { basename } from 'node:path';
import type { KindSpec } from '../model/kind.js';
import { KINDS, kindByName } from '../model/kinds/index.js';
import { CliError, EXIT_USAGE } from './errors.js';

/** Short names people use that `kindByName` does not know. */
const ALIASES: Record<string, string> = { neg: 'networkEndpointGroups', negs: 'networkEndpointGroups' };

/** A kind given on the command line, in any spelling `kindByName` takes (or `neg`). */
export function lookupKind(name: string): KindSpec | undefined {
  return kindByName(name) ?? kindByName(ALIASES[name.toLowerCase()] ?? '');
}

/** Like lookupKind, but an unknown kind is a usage error (exit 2). */
export function requireKind(name: string): KindSpec {
  const spec = lookupKind(name);
  if (!spec) throw new CliError(`unknown resource kind '${name}': one of ${kindChoices()}`, EXIT_USAGE);
  return spec;
}

/** `urlMap`: the name the CLI prints. */
export function shortKind(kind: string): string {
  return kind.replace(/^compute#/, '');
}

export function kindChoices(): string {
  return KINDS.map((k) => `${shortKind(k.kind)} (${dashed(k.collection)})`).join(', ');
}

export function isZonal(spec: KindSpec): boolean {
  return spec.scope === 'zonal';
}

function dashed(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The collection of a Compute-API selfLink: `…/global/urlMaps/web` → urlMaps. */
export function kindFromSelfLink(selfLink: unknown): KindSpec | undefined {
  if (typeof selfLink !== 'string') return undefined;
  const m = /(?:^|\/)(?:global|zones\/[^/]+|regions\/[^/]+)\/([A-Za-z]+)\/[^/]+$/.exec(selfLink);
  return m ? kindByName(m[1]!) : undefined;
}

/** The zone of a selfLink: `…/zones/us-central1-a/networkEndpointGroups/x` → us-central1-a. */
export function zoneFromSelfLink(selfLink: unknown): string | undefined {
  if (typeof selfLink !== 'string') return undefined;
  return /(?:^|\/)zones\/([^/]+)\/[A-Za-z]+\/[^/]+$/.exec(selfLink)?.[1];
}

/** `urlMap` → ['url', 'map']; `web-url_map` → ['web', 'url', 'map']. */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Word sequences that name each kind: singular, plural and the aliases. */
function kindSpellings(): { spec: KindSpec; words: string[] }[] {
  const out: { spec: KindSpec; words: string[] }[] = [];
  for (const spec of KINDS) {
    out.push({ spec, words: words(shortKind(spec.kind)) }, { spec, words: words(spec.collection) });
  }
  for (const [alias, collection] of Object.entries(ALIASES)) {
    const spec = kindByName(collection);
    if (spec) out.push({ spec, words: [alias] });
  }
  return out;
}

const sameWords = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((w, i) => w === b[i]);

/**
 * The kind a file's name states, for documents without `kind` (gcloud exports). Only clear
 * cases: a dot-separated part of the name, split into words at `-`, `_` and camelCase, that
 * is a kind's name, after leading numbers (`url-map.yaml`, `01-health-check.yaml`, `url_maps.yaml`, `backendService.json`, `negs.yaml`), or
 * starts or ends with one (`url-map-web.yaml`, `web.url-map.yaml`, `wallet-backend-service.yaml`);
 * the longest match wins, and a name that matches two kinds equally names none.
 */
export function kindFromFileName(file: string): KindSpec | undefined {
  const base = basename(file).replace(/\.(ya?ml|json)$/i, '');
  const spellings = kindSpellings();
  let best: { spec: KindSpec; length: number } | undefined;
  let tie = false;
  for (const part of base.split('.')) {
    // Leading numbers only order files (`01-health-check.yaml`).
    const w = words(part);
    while (w.length > 0 && /^\d+$/.test(w[0]!)) w.shift();
    if (w.length === 0) continue;
    const joined = w.join('');
    for (const s of spellings) {
      let length = 0;
      if (sameWords(w, s.words) || joined === s.words.join('')) length = Number.POSITIVE_INFINITY;
      else if (w.length > s.words.length) {
        const n = s.words.length;
        if (sameWords(w.slice(0, n), s.words) || sameWords(w.slice(-n), s.words)) length = n;
      }
      if (length === 0) continue;
      if (best === undefined || length > best.length) {
        best = { spec: s.spec, length };
        tie = false;
      } else if (length === best.length && s.spec !== best.spec) tie = true;
    }
  }
  return best !== undefined && !tie ? best.spec : undefined;
}
