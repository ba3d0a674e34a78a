// Envoy admin `/server_info`: the version (`<sha>/1.15.0-dev/Clean/RELEASE/BoringSSL`) and state.
import { str } from './json.js';

export interface ServerInfo {
  /** The whole version string as Envoy prints it. */
  versionString?: string;
  /** `major.minor.patch`, without suffixes such as `-dev`. */
  version?: string;
  state?: string;
}

/** `…/1.15.0-dev/…` or `1.15.0` → `1.15.0`; undefined when there is none. */
export function semverOf(text: string): string | undefined {
  return /(?:^|[/\s:v])(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

/** Throws when the text is not JSON. */
export function parseServerInfo(text: string): ServerInfo {
  const doc: unknown = JSON.parse(text);
  const versionString = str(doc, 'version');
  const version = versionString === undefined ? undefined : semverOf(versionString);
  const state = str(doc, 'state');
  return {
    ...(versionString === undefined ? {} : { versionString }),
    ...(version === undefined ? {} : { version }),
    ...(state === undefined ? {} : { state }),
  };
}
