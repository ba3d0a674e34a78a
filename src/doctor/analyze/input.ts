// What `vane analyze` looks at: one project's configuration and live state, gathered by the
// API route (src/api/routes/analysis.ts). The analysis itself does no I/O and reads no clock.
import type { GuestAttribute } from '../../store/types.js';
import type { NodeView, TranslateInput, TranslateIssue } from '../../translate/types.js';
import type { ProxyView, Refusal } from '../../xds/registry.js';

/** A view whose newest configuration failed validation and was not published (SnapshotCache.status). */
export interface RefusedView {
  view: NodeView;
  problems: string[];
  at: string;
}

export interface AnalysisInput {
  /** Resources, endpoints and health: exactly what translation reads. */
  config: TranslateInput;
  /** Translation issues and refused publications of the views in use; absent when no proxy loaded the project. */
  translation?: { issues: readonly TranslateIssue[]; errors: readonly RefusedView[] };
  /** Connected proxies (ADS streams) of the project. */
  proxies: readonly ProxyView[];
  /** Recently refused streams whose node id names the project's number. */
  refusals: readonly Refusal[];
  /** Guest attributes under `gce-service-proxy/`, by instance path. */
  guestAttributes: ReadonlyMap<string, readonly GuestAttribute[]>;
  /** Epoch milliseconds: heartbeat ages are measured from it. */
  now: number;
}
