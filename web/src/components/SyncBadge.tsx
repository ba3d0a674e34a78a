import type { SyncStatus } from '../api/types';
import { Badge, type Tone } from './States';

const TONE: Record<SyncStatus, Tone> = { SYNCED: 'ok', STALE: 'warn', NACKED: 'bad', NOT_SENT: 'none' };

export function SyncBadge({ status }: { status: SyncStatus }) {
  return <Badge tone={TONE[status] ?? 'none'}>{status}</Badge>;
}
