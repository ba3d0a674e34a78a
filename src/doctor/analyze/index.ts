// `vane analyze`: findings over one project's configuration and live state, most urgent
// first. Pure: the caller gathers AnalysisInput (src/api/routes/analysis.ts).
import { type Finding, sortFindings } from '../finding.js';
import { agentFindings } from './agents.js';
import { backendFindings } from './backends.js';
import type { AnalysisInput } from './input.js';
import { readMesh } from './mesh.js';
import { nackFindings } from './nacks.js';
import { networkFindings } from './networks.js';
import { proxylessFindings } from './proxyless.js';
import { translationFindings } from './translation.js';

export type { AnalysisInput, RefusedView } from './input.js';

export function analyze(input: AnalysisInput): Finding[] {
  const mesh = readMesh(input.config);
  return sortFindings([
    ...networkFindings(input, mesh),
    ...translationFindings(input, mesh),
    ...proxylessFindings(mesh),
    ...backendFindings(input.config, mesh),
    ...nackFindings(input),
    ...agentFindings(input),
  ]);
}
