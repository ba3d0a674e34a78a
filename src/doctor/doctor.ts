// `vane doctor`: collect a node's evidence (live, from files, or from a bundle), optionally
// save it as a bundle, and run the node checks over it.
import { readBundle, writeBundle } from './bundle.js';
import { runNodeChecks } from './checks/index.js';
import { type CollectOptions, collectEvidence } from './collect/index.js';
import type { NodeEvidence } from './evidence.js';
import { type DoctorReport, report } from './render.js';

export interface DoctorOptions extends CollectOptions {
  /** Write every collected input to this tar.gz. */
  bundle?: string;
  /** Analyse a bundle instead of this machine. */
  fromBundle?: string;
}

export async function runDoctor(o: DoctorOptions): Promise<{ evidence: NodeEvidence; report: DoctorReport }> {
  const evidence = o.fromBundle !== undefined ? await readBundle(o.fromBundle) : await collectEvidence(o);
  if (o.bundle !== undefined) await writeBundle(o.bundle, evidence);
  return { evidence, report: report(evidence, runNodeChecks(evidence)) };
}
