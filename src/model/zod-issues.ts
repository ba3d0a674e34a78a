import type { z } from 'zod';
import { formatPath, joinPath } from './field-path.js';
import type { Issue } from './kind.js';

/** Turns zod's issues into field-path issues with messages a user can act on. */
export function zodIssues(error: z.ZodError, input: unknown): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const location = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ location: joinPath(location, key), message: `unknown field '${key}'` });
    } else if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      out.push({ location, message: 'is required' });
    } else if (issue.code === 'invalid_union') {
      out.push({
        location,
        message: issue.message === 'Invalid input' ? 'has an invalid value' : issue.message,
      });
    } else {
      out.push({ location, message: lowerFirst(issue.message) });
    }
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
