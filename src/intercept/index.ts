export { InterceptionError } from './errors.js';
export {
  applyInterception,
  cleanInterception,
  type InterceptionReport,
  type IptablesOptions,
  showInterception,
  updateServiceCidrs,
} from './iptables.js';
export { renderRules } from './rules.js';
export { type InterceptionSpec, validateSpec } from './spec.js';
