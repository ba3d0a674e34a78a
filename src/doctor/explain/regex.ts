// RE2 patterns (what Envoy and gRPC use) evaluated with JS RegExp. Close for the patterns
// URL maps use; the differences that matter are reported instead of silently guessed.

export type Compiled = { ok: true; re: RegExp; note?: string } | { ok: false; why: string };

/** A full-string matcher for an RE2 pattern, as `safe_regex` matches (the whole value). */
export function compileRe2(pattern: string): Compiled {
  let body = pattern;
  let flags = 'u';
  let note: string | undefined;
  // RE2 inline flags JS lacks: a leading (?i) / (?s) become JS flags.
  const lead = /^\(\?([is]+)\)/.exec(body);
  if (lead !== null) {
    flags += [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  if (/\(\?[=!<]|\\[1-9]/.test(body)) {
    return {
      ok: false,
      why: `RE2 rejects lookaround and backreferences in '${pattern}': the proxy would refuse it`,
    };
  }
  if (/\\[pP]\{|\[\[:/.test(body)) note = `'${pattern}' uses RE2 classes that JS reads differently`;
  try {
    const re = new RegExp(`^(?:${body})$`, flags);
    return note === undefined ? { ok: true, re } : { ok: true, re, note };
  } catch {
    try {
      // Without the u flag JS accepts more RE2 escapes (e.g. \-).
      const re = new RegExp(`^(?:${body})$`, flags.replace('u', ''));
      return { ok: true, re, note: note ?? `'${pattern}' was evaluated without Unicode mode` };
    } catch (e) {
      return { ok: false, why: `cannot evaluate '${pattern}' here: ${(e as Error).message}` };
    }
  }
}
