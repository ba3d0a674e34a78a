// vane explain: one request's routing decision, step by step, with provenance.
export { type ExplainInput, explain } from './explain.js';
export { renderExplanation } from './render.js';
export { type ExplainRequest, parseHeader, parseTarget } from './request.js';
export type * from './types.js';
