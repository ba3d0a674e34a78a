import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { newProjectNumber } from '../../model/ids.js';
import { NAME_PATTERN, NAME_RULE } from '../../model/references.js';
import { zodIssues } from '../../model/zod-issues.js';
import { isStoreConflictError } from '../../store/store.js';
import type { ProjectRecord } from '../../store/types.js';
import { visibleProjects } from '../auth.js';
import { type ApiContext, allow, principalOf } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { toApiError } from '../write-check.js';

const createBody = z.strictObject({
  projectId: z.string().regex(NAME_PATTERN, NAME_RULE),
  projectNumber: z
    .union([z.string(), z.number().int()])
    .transform(String)
    .pipe(z.string().regex(/^[1-9]\d{0,18}$/, 'must be a positive integer of up to 19 digits'))
    .optional(),
});

export function renderProject(p: ProjectRecord): Record<string, unknown> {
  return { kind: 'vane#project', projectId: p.id, projectNumber: p.number, createTime: p.createdAt };
}

export function projectRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.post('/v1/projects', async (req, reply) => {
    allow(req, 'admin', null);
    const parsed = createBody.safeParse(req.body);
    if (!parsed.success) throw toApiError(zodIssues(parsed.error, req.body));
    const { projectId, projectNumber } = parsed.data;
    const createdAt = new Date().toISOString();
    const project = await store.write(async (tx) => {
      if (await tx.getProject(projectId)) {
        throw new ApiError(409, `Project '${projectId}' already exists`, [
          {
            reason: 'alreadyExists',
            message: `Project '${projectId}' already exists`,
            location: 'projectId',
          },
        ]);
      }
      let number = projectNumber;
      if (number !== undefined && (await tx.getProjectByNumber(number))) {
        throw new ApiError(409, `Project number ${number} is already used by another project`, [
          {
            reason: 'alreadyExists',
            message: 'is already used by another project',
            location: 'projectNumber',
          },
        ]);
      }
      while (number === undefined || (await tx.getProjectByNumber(number))) number = newProjectNumber();
      const record = { id: projectId, number, createdAt };
      try {
        await tx.createProject(record);
      } catch (err) {
        if (isStoreConflictError(err)) throw new ApiError(409, `Project '${projectId}' already exists`);
        throw err;
      }
      // Every project starts with a network named `default`, as in Google Cloud.
      await ctx.resources.writeInTx(
        tx,
        { project: projectId, scope: 'global', collection: 'networks' },
        { name: 'default', description: 'Default network for the project', autoCreateSubnetworks: true },
        { mode: 'insert' },
      );
      return record;
    });
    return reply.code(200).send(renderProject(project));
  });

  app.get('/v1/projects', async (req) => {
    const visible = visibleProjects(principalOf(req));
    const projects = (await store.listProjects()).filter((p) => visible === '*' || visible.has(p.id));
    return { projects: projects.map(renderProject) };
  });

  app.get<{ Params: { project: string } }>('/v1/projects/:project', async (req) => {
    allow(req, 'read', req.params.project);
    const project = await store.getProject(req.params.project);
    if (!project) throw notFound(`projects/${req.params.project}`);
    return renderProject(project);
  });

  app.delete<{ Params: { project: string } }>('/v1/projects/:project', async (req) => {
    allow(req, 'admin', req.params.project);
    const deleted = await store.write((tx) => tx.deleteProject(req.params.project));
    if (!deleted) throw notFound(`projects/${req.params.project}`);
    return { kind: 'vane#project', projectId: req.params.project, deleted: true };
  });
}
