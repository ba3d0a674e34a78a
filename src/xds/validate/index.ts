// Proof that generated sidecar configuration is well-formed without an Envoy binary: the
// protoc-gen-validate rules of Envoy's own protos (proto-rules.ts) and go-control-plane's
// snapshot consistency (consistency.ts).
export { type ConsistencyOptions, checkConsistency, type SnapshotResources } from './consistency.js';
export { ruleKindsIn } from './inventory.js';
export {
  SUPPORTED_RULE_KINDS,
  type ValidateOptions,
  type Violation,
  validateMessage,
} from './proto-rules.js';
export { envoyRegistry } from './registry.js';
