// The node checks: pure functions from what was collected on a node to findings.
import type { NodeEvidence } from '../evidence.js';
import { type Finding, sortFindings } from '../finding.js';

/** Every node check over the evidence, root causes first (no I/O, no clock). */
export function runNodeChecks(e: NodeEvidence): Finding[] {
  void e;
  return sortFindings([]);
}
