// vane proxy-config --diff: what Vane would send against what a proxy reports it holds.
export { diffConfigs } from './diff.js';
export { parseProxyConfig, readProxyConfig } from './parse.js';
export { renderDiff } from './render.js';
export type * from './types.js';
