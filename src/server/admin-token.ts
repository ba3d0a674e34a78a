import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ADMIN_TOKEN_ID, hashToken, newTokenSecret } from '../api/auth.js';
import type { Store } from '../store/store.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * Makes sure a server-wide admin token exists. `VANE_ADMIN_TOKEN` sets it; otherwise the
 * first start generates one, keeps only its hash, and hands the secret over once: in the
 * log and in `<data-dir>/admin-token` (mode 0600), where the CLI looks by default.
 */
export async function ensureAdminToken(
  store: Store,
  dataDir: string,
  logger: Logger,
  fromEnv?: string,
): Promise<void> {
  const existing = (await store.listTokens()).find((t) => t.id === ADMIN_TOKEN_ID);
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16) throw new Error('VANE_ADMIN_TOKEN must be at least 16 characters long');
    const hash = hashToken(fromEnv);
    if (existing?.hash !== hash || existing.revokedAt !== null) {
      await store.write((tx) =>
        tx.putToken({
          id: ADMIN_TOKEN_ID,
          name: 'admin',
          hash,
          grants: [{ project: '*', role: 'admin' }],
          createdAt: new Date().toISOString(),
          revokedAt: null,
        }),
      );
      logger.info('admin token set from VANE_ADMIN_TOKEN');
    }
    return;
  }
  if (existing) {
    if (!existsSync(file))
      logger.info(
        'admin token exists; its secret was handed out when it was created (set VANE_ADMIN_TOKEN to replace it)',
      );
    return;
  }
  const secret = newTokenSecret();
  await store.write((tx) =>
    tx.putToken({
      id: ADMIN_TOKEN_ID,
      name: 'admin',
      hash: hashToken(secret),
      grants: [{ project: '*', role: 'admin' }],
      createdAt: new Date().toISOString(),
      revokedAt: null,
    }),
  );
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  logger.warn({ adminToken: secret, file }, `generated the admin token (shown once; also saved to ${file})`);
}
