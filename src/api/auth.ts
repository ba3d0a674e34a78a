import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Role, RoleGrant, TokenRecord } from '../store/types.js';
import { ApiError } from './errors.js';

/** What a request wants to do. Roles grant sets of these per project. */
export type Permission = 'read' | 'write' | 'report' | 'admin';

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  editor: ['read', 'write', 'report'],
  admin: ['read', 'write', 'report', 'admin'],
  // Proxies and agents read configuration and report about their own node (guest attributes).
  proxy: ['read', 'report'],
};

export const ROLES = Object.keys(ROLE_PERMISSIONS) as Role[];
export const ADMIN_TOKEN_ID = 'admin';

export interface Principal {
  token: TokenRecord;
}

export function newTokenSecret(): string {
  return `vane_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}

/** Resolves `Authorization: Bearer …` to a live token, or throws 401. */
export async function authenticate(store: Store, header: string | undefined): Promise<Principal> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) {
    throw new ApiError(
      401,
      'Request is missing required authentication credential: send Authorization: Bearer <token>.',
    );
  }
  const hash = hashToken(m[1]!);
  const token = await store.findTokenByHash(hash);
  if (!token || token.revokedAt !== null || !timingSafeEqual(Buffer.from(token.hash), Buffer.from(hash))) {
    throw new ApiError(
      401,
      'Request had invalid authentication credentials: the token is unknown or revoked.',
    );
  }
  return { token };
}

export function can(principal: Principal, permission: Permission, project: string | null): boolean {
  return principal.token.grants.some(
    (g) =>
      (g.project === '*' || (project !== null && g.project === project)) &&
      ROLE_PERMISSIONS[g.role].includes(permission),
  );
}

/** Throws 403 unless the principal holds `permission` on `project` (null: on every project). */
export function authorize(principal: Principal, permission: Permission, project: string | null): void {
  if (can(principal, permission, project)) return;
  const where = project === null ? 'on every project (an admin token)' : `on project '${project}'`;
  throw new ApiError(
    403,
    `Required '${permission}' permission ${where}; token '${principal.token.name}' does not have it.`,
  );
}

/** Projects the principal may see, or '*' for all. */
export function visibleProjects(principal: Principal): Set<string> | '*' {
  if (principal.token.grants.some((g) => g.project === '*')) return '*';
  return new Set(principal.token.grants.map((g: RoleGrant) => g.project));
}
