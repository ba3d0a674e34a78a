// Errors in the Compute API's JSON shape:
// {"error": {"code", "message", "errors": [{"domain", "reason", "message", "location", "locationType"}]}}

export type Reason =
  | 'invalid'
  | 'required'
  | 'parseError'
  | 'notFound'
  | 'alreadyExists'
  | 'resourceInUseByAnotherResource'
  | 'conditionNotMet'
  | 'unauthorized'
  | 'forbidden'
  | 'payloadTooLarge'
  | 'badRequest'
  | 'internalError';

export interface ErrorItem {
  reason: Reason;
  message: string;
  /** Field path in the request body, e.g. `pathMatchers[0].routeRules[2].priority`. */
  location?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly items: ErrorItem[] = [],
  ) {
    super(message);
  }

  toJSON(): { error: { code: number; message: string; errors: Record<string, string>[] } } {
    const items =
      this.items.length > 0 ? this.items : [{ reason: defaultReason(this.status), message: this.message }];
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: items.map((item) => ({
          domain: 'global',
          reason: item.reason,
          message: item.message,
          ...(item.location === undefined ? {} : { location: item.location, locationType: 'other' }),
        })),
      },
    };
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && err.name === 'ApiError';
}

function defaultReason(status: number): Reason {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'alreadyExists';
    case 412:
      return 'conditionNotMet';
    case 413:
      return 'payloadTooLarge';
    default:
      return status >= 500 ? 'internalError' : 'badRequest';
  }
}

/** One 400 error listing every problem found; the first one gives the top-level message. */
export function invalid(items: ErrorItem[]): ApiError {
  const first = items[0];
  const message = first === undefined ? 'Invalid value.' : describe(first);
  return new ApiError(400, items.length > 1 ? `${message} (and ${items.length - 1} more)` : message, items);
}

export function describe(item: ErrorItem): string {
  return item.location ? `Invalid value for field '${item.location}': ${item.message}` : item.message;
}

export const notFound = (what: string): ApiError =>
  new ApiError(404, `The resource '${what}' was not found`, [
    { reason: 'notFound', message: `The resource '${what}' was not found` },
  ]);
