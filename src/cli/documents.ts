import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KindSpec } from '../model/kind.js';
import { kindByName } from '../model/kinds/index.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
import { kindChoices, kindFromFileName, kindFromSelfLink, zoneFromSelfLink } from './kinds.js';

/** One resource document and where it came from. */
export interface SourcedDocument {
  /** The file as the user named it (or `<stdin>`). */
  file: string;
  /** 1-based position of the document in its file (documents of a list count one by one). */
  document: number;
  body: Record<string, unknown>;
}

/** How documents read from stdin are named in messages. */
export const STDIN = '<stdin>';

const EXTENSIONS = /\.(ya?ml|json)$/i;

/** The files `-f` names: a file, `-` (stdin), or a directory's *.yaml, *.yml and *.json, sorted. */
export function expandSources(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push(path);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new CliError(`cannot read '${path}': no such file or directory`, EXIT_USAGE);
    }
    if (!isDir) {
      out.push(path);
      continue;
    }
    const files = readdirSync(path)
      .filter((f) => EXTENSIONS.test(f))
      .sort()
      .map((f) => join(path, f))
      .filter((f) => statSync(f).isFile());
    if (files.length === 0)
      throw new CliError(`directory '${path}' has no *.yaml, *.yml or *.json files`, EXIT_USAGE);
    out.push(...files);
  }
  return out;
}

/**
 * The resource documents of one file's text: multi-document YAML or JSON; each document
 * may be an object, a list of objects, or `{resources: [...]}` (what `vane export -o json`
 * and the export API print). Empty documents are skipped.
 */
export function parseDocuments(text: string, file: string): SourcedDocument[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: SourcedDocument[] = [];
  if (!Array.isArray(docs)) return out; // an empty stream
  let n = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new CliError(`${file}: not valid YAML or JSON: ${doc.errors[0]!.message}`, EXIT_FAILURE);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    const items = Array.isArray(value) ? value : isResourceList(value) ? value.resources : [value];
    for (const item of items) {
      n++;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new CliError(
          `${file} (document ${n}): is not a resource (an object with kind and name)`,
          EXIT_FAILURE,
        );
      }
      out.push({ file, document: n, body: item as Record<string, unknown> });
    }
  }
  return out;
}

function isResourceList(value: unknown): value is { resources: unknown[] } {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  // A resource has a name; a list of resources does not.
  return Array.isArray(v.resources) && v.name === undefined;
}

/** Reads every document of the given sources (`-` reads `stdin`). */
export function readDocuments(paths: readonly string[], stdin: () => string): SourcedDocument[] {
  const out: SourcedDocument[] = [];
  for (const file of expandSources(paths)) {
    let text: string;
    if (file === '-') text = stdin();
    else {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read '${file}': ${(err as Error).message}`, EXIT_USAGE);
      }
    }
    out.push(...parseDocuments(text, file === '-' ? STDIN : file));
  }
  return out;
}

/** Why a document got the kind it has, for messages. */
export type KindSource = 'document' | '--kind' | 'selfLink' | 'file name';

/**
 * Gives every document a `kind`. gcloud's `export` prints documents without one; then the
 * kind comes from `--kind`, else from the document's selfLink, else from the file's name.
 * A document whose kind cannot be told, or names no kind, is a usage error (exit 2).
 * Zonal documents without `zone` take it from their selfLink.
 */
export function inferKinds(
  docs: readonly SourcedDocument[],
  kindFlag?: KindSpec,
): { doc: SourcedDocument; source: KindSource }[] {
  return docs.map((doc) => {
    const where = `${doc.file} (document ${doc.document}${typeof doc.body.name === 'string' ? `, name '${doc.body.name}'` : ''})`;
    const body = { ...doc.body };
    const { spec, source } = kindOf(body, doc.file, where, kindFlag);
    body.kind = spec.kind;
    if (spec.scope === 'zonal' && body.zone === undefined) {
      const zone = zoneFromSelfLink(body.selfLink);
      if (zone !== undefined) body.zone = zone;
    }
    return { doc: { ...doc, body }, source };
  });
}

function kindOf(
  body: Record<string, unknown>,
  file: string,
  where: string,
  kindFlag: KindSpec | undefined,
): { spec: KindSpec; source: KindSource } {
  if (body.kind !== undefined && body.kind !== null && body.kind !== '') {
    const spec = typeof body.kind === 'string' ? kindByName(body.kind) : undefined;
    if (!spec) {
      throw new CliError(
        `${where}: '${String(body.kind)}' is not a resource kind: one of ${kindChoices()}`,
        EXIT_USAGE,
      );
    }
    return { spec, source: 'document' };
  }
  if (kindFlag) return { spec: kindFlag, source: '--kind' };
  const fromSelfLink = kindFromSelfLink(body.selfLink);
  if (fromSelfLink) return { spec: fromSelfLink, source: 'selfLink' };
  const fromFile = file === STDIN ? undefined : kindFromFileName(file);
  if (fromFile) return { spec: fromFile, source: 'file name' };
  throw new CliError(
    `${where} has no 'kind', and none can be inferred (no selfLink, and the file name names no kind): add 'kind:' to the document, name the file after its kind (e.g. url-map.yaml), or pass --kind KIND`,
    EXIT_USAGE,
  );
}
