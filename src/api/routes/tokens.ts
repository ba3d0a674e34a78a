import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NAME_PATTERN } from '../../model/references.js';
import { zodIssues } from '../../model/zod-issues.js';
import type { TokenRecord } from '../../store/types.js';
import { ADMIN_TOKEN_ID, can, hashToken, newTokenId, newTokenSecret, ROLES } from '../auth.js';
import { type ApiContext, allow, principalOf } from '../context.js';
import { ApiError, invalid, notFound } from '../errors.js';
import { toApiError } from '../write-check.js';

const grant = z.strictObject({
  project: z.string().refine((p) => p === '*' || NAME_PATTERN.test(p), "must be a project id or '*'"),
  role: z.enum(ROLES as [string, ...string[]]),
});
const createBody = z.strictObject({
  name: z.string().min(1).max(128).optional(),
  grants: z.array(grant).min(1).max(100),
});

function renderToken(t: TokenRecord): Record<string, unknown> {
  return {
    kind: 'vane#token',
    id: t.id,
    name: t.name,
    grants: t.grants,
    createTime: t.createdAt,
    revokeTime: t.revokedAt ?? undefined,
  };
}

/** Tokens: a server-wide admin manages all; a project admin manages tokens for its own projects. */
export function tokenRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.post('/v1/tokens', async (req) => {
    const parsed = createBody.safeParse(req.body);
    if (!parsed.success) throw toApiError(zodIssues(parsed.error, req.body));
    const grants = parsed.data.grants as TokenRecord['grants'];
    for (const g of grants) allow(req, 'admin', g.project === '*' ? null : g.project);
    for (const [i, g] of grants.entries()) {
      if (g.project !== '*' && !(await store.getProject(g.project))) {
        throw invalid([
          {
            reason: 'invalid',
            message: `project '${g.project}' does not exist`,
            location: `grants[${i}].project`,
          },
        ]);
      }
    }
    const secret = newTokenSecret();
    const token: TokenRecord = {
      id: newTokenId(),
      name: parsed.data.name ?? grants.map((g) => `${g.project}-${g.role}`).join('+'),
      hash: hashToken(secret),
      grants,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    };
    await store.write((tx) => tx.putToken(token));
    return { ...renderToken(token), token: secret };
  });

  app.get('/v1/tokens', async (req) => {
    const principal = principalOf(req);
    const tokens = (await store.listTokens()).filter((t) =>
      t.grants.every((g) => can(principal, 'admin', g.project === '*' ? null : g.project)),
    );
    if (
      tokens.length === 0 &&
      !can(principal, 'admin', null) &&
      !principal.token.grants.some((g) => g.role === 'admin')
    ) {
      allow(req, 'admin', null);
    }
    return { tokens: tokens.map(renderToken) };
  });

  app.get('/v1/whoami', async (req) => renderToken(principalOf(req).token));

  app.delete<{ Params: { id: string } }>('/v1/tokens/:id', async (req) => {
    const token = (await store.listTokens()).find((t) => t.id === req.params.id);
    if (!token) throw notFound(`tokens/${req.params.id}`);
    for (const g of token.grants) allow(req, 'admin', g.project === '*' ? null : g.project);
    if (token.id === ADMIN_TOKEN_ID) {
      throw new ApiError(
        400,
        'The admin token cannot be revoked; replace it by restarting the server with VANE_ADMIN_TOKEN set.',
      );
    }
    await store.write((tx) => tx.revokeToken(token.id, new Date().toISOString()));
    return { ...renderToken(token), revokeTime: new Date().toISOString() };
  });
}
