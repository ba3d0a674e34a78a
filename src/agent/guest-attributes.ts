import { UnreachableError, type VaneClient } from './vane-client.js';

export const NAMESPACE = 'gce-service-proxy';

export type BootstrapStatus = 'IN PROGRESS' | 'FINISHED' | 'FAILED';

/**
 * Reports the agent's guest attributes. Every report carries a fresh `agent-heartbeat`
 * (the time of the agent's last action or check). Values that could not be sent because
 * Vane was unreachable are kept and sent with the next report, newest value per key.
 */
export class GuestAttributeReporter {
  private readonly pending = new Map<string, string>();
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: VaneClient,
    private readonly log: (line: string) => void,
  ) {}

  /** Queues values and sends everything pending; never throws. */
  report(values: Record<string, string> = {}): Promise<void> {
    for (const [k, v] of Object.entries(values)) this.pending.set(k, v);
    // One request at a time, in order, so a late heartbeat never overwrites a newer status.
    this.sending = this.sending.then(() => this.flush());
    return this.sending;
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0 && this.sentHeartbeatRecently()) return;
    const batch = new Map(this.pending);
    batch.set('agent-heartbeat', new Date().toISOString());
    try {
      await this.client.setGuestAttributes(
        [...batch].map(([key, value]) => ({ namespace: NAMESPACE, key, value })),
      );
      for (const [k, v] of batch) if (this.pending.get(k) === v) this.pending.delete(k);
      this.lastSent = Date.now();
    } catch (err) {
      if (!(err instanceof UnreachableError) || this.reachable) {
        this.log(`could not report guest attributes: ${(err as Error).message}`);
      }
      this.reachable = !(err instanceof UnreachableError);
      // Whatever went wrong is the agent's last failure, reported once Vane answers again.
      this.pending.set('agent-last-failure', (err as Error).message);
      return;
    }
    this.reachable = true;
  }

  private lastSent = 0;
  private reachable = true;

  private sentHeartbeatRecently(): boolean {
    return Date.now() - this.lastSent < 250;
  }
}
