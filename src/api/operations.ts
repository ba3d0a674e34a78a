import { randomUUID } from 'node:crypto';
import { newId } from '../model/ids.js';
import type { Renderer } from './render.js';

export interface Operation {
  kind: 'compute#operation';
  id: string;
  name: string;
  operationType: string;
  targetLink: string;
  targetId?: string;
  status: 'DONE';
  progress: 100;
  user: string;
  insertTime: string;
  startTime: string;
  endTime: string;
  selfLink: string;
  zone?: string;
}

/**
 * Every mutation completes before the response, so operations are born DONE. The last
 * few thousand are kept so that clients which poll `operations/NAME` (or `…/wait`) find them.
 */
export class OperationLog {
  private readonly recent = new Map<string, Operation>();
  constructor(private readonly capacity = 5000) {}

  record(
    renderer: Renderer,
    args: {
      project: string;
      scope: string;
      type: string;
      targetPath: string;
      targetId?: string;
      user: string;
      startTime: string;
    },
  ): Operation {
    const name = `operation-${Date.now()}-${randomUUID().slice(0, 13)}`;
    const now = new Date().toISOString();
    const op: Operation = {
      kind: 'compute#operation',
      id: newId(),
      name,
      operationType: args.type,
      targetLink: renderer.url(args.targetPath),
      ...(args.targetId === undefined ? {} : { targetId: args.targetId }),
      status: 'DONE',
      progress: 100,
      user: args.user,
      insertTime: args.startTime,
      startTime: args.startTime,
      endTime: now,
      selfLink: renderer.url(`projects/${args.project}/${args.scope}/operations/${name}`),
      ...(args.scope.startsWith('zones/')
        ? { zone: renderer.url(`projects/${args.project}/${args.scope}`) }
        : {}),
    };
    this.recent.set(`${args.project}/${name}`, op);
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    return op;
  }

  get(project: string, name: string): Operation | undefined {
    return this.recent.get(`${project}/${name}`);
  }
}
