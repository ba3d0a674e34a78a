/** A failure to set up or read traffic interception, with a stable code and the fix to apply. */
export class InterceptionError extends Error {
  override readonly name = 'InterceptionError';
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    /** For INVALID_SPEC: each problem, prefixed with its field name. */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}
