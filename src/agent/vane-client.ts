import type { InterceptionTargets } from '../api/routes/agents.js';

/** Raised when Vane cannot be reached at all (as opposed to answering with an error). */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export interface GuestAttributeItem {
  namespace: string;
  key: string;
  value: string;
}

/** The few REST calls the agent makes, with its `proxy`-role token. */
export class VaneClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly project: string,
    private readonly zone: string,
    private readonly instance: string,
  ) {}

  private get instanceBase(): string {
    return `/v1/projects/${enc(this.project)}/zones/${enc(this.zone)}/instances/${enc(this.instance)}`;
  }

  /** The project's number: what the node id and TRAFFICDIRECTOR_GCP_PROJECT_NUMBER carry. */
  async projectNumber(): Promise<string> {
    const p = (await this.call('GET', `/v1/projects/${enc(this.project)}`)) as { projectNumber?: string };
    if (!p.projectNumber) throw new Error(`project ${this.project} has no project number`);
    return p.projectNumber;
  }

  async register(body: Record<string, unknown>): Promise<{ result: string }> {
    return (await this.call('POST', `${this.instanceBase}/register`, body)) as { result: string };
  }

  async setGuestAttributes(items: GuestAttributeItem[]): Promise<void> {
    await this.call(
      'POST',
      `/compute/v1/projects/${enc(this.project)}/zones/${enc(this.zone)}/instances/${enc(this.instance)}/setGuestAttributes`,
      { items },
    );
  }

  /** Long poll: returns at once when `known` is not the current version, else at the next change or timeout. */
  async interceptionTargets(
    network: string,
    labels: Readonly<Record<string, string>>,
    known: string | undefined,
    timeoutSec: number,
    signal?: AbortSignal,
  ): Promise<InterceptionTargets> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(labels)) q.append('label', `${k}=${v}`);
    if (known !== undefined) {
      q.set('waitForChange', known);
      q.set('timeoutSec', String(timeoutSec));
    }
    const path = `/v1/projects/${enc(this.project)}/networks/${enc(network)}/interceptionTargets?${q}`;
    return (await this.call('GET', path, undefined, (timeoutSec + 10) * 1000, signal)) as InterceptionTargets;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 10_000,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = timeout.aborted
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new UnreachableError(`Cannot reach the Vane API server at ${this.apiUrl}: ${why}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`${method} ${path.split('?')[0]}: HTTP ${res.status}: ${message}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
