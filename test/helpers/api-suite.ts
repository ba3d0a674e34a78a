import { after, before, describe } from 'node:test';
import { postgresUrl, startVane, type TestServer } from './server.js';

export type Driver = 'sqlite' | 'postgres';
export const DRIVERS: Driver[] = ['sqlite', 'postgres'];

/**
 * Runs `body` once per store driver against its own real `vane serve`, so every API
 * contract is proven on both stores. `server()` returns the running server.
 */
export function forEachStore(title: string, body: (server: () => TestServer, driver: Driver) => void): void {
  for (const driver of DRIVERS) {
    describe(`${title} (${driver})`, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startVane(driver === 'postgres' ? { store: postgresUrl() } : {});
      });
      after(async () => {
        await server?.stop();
      });
      body(() => {
        if (!server) throw new Error('server not started');
        return server;
      }, driver);
    });
  }
}

let counter = 0;
/** A project id unique within the test run. */
export function uniqueProject(prefix = 'p'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export const G = (project: string, collection: string, name?: string) =>
  `/compute/v1/projects/${project}/global/${collection}${name === undefined ? '' : `/${name}`}`;
export const Z = (project: string, zone: string, collection: string, name?: string) =>
  `/compute/v1/projects/${project}/zones/${zone}/${collection}${name === undefined ? '' : `/${name}`}`;

/** The first error item of a GCP-shaped error response. */
export function firstError(body: Record<string, unknown>): {
  reason: string;
  message: string;
  location?: string;
} {
  const error = body.error as
    | { errors: { reason: string; message: string; location?: string }[] }
    | undefined;
  if (!error) throw new Error(`not an error response: ${JSON.stringify(body)}`);
  return error.errors[0]!;
}

/** Every error location of a GCP-shaped error response. */
export function errorLocations(body: Record<string, unknown>): string[] {
  const error = body.error as { errors: { location?: string }[] } | undefined;
  return (error?.errors ?? []).map((e) => e.location ?? '');
}
