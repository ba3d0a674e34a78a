// What Vane's REST API knows about this node: its project, the forwarding rules, the VIPs the
// node should intercept, whether the node is connected (and its NACKs), and its guest attributes.
import { type ForwardingRule, forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import type { ControlPlaneView, NodeEvidence } from '../evidence.js';
import { fromItems } from './guest-attributes.js';
import { errorText } from './options.js';

const TIMEOUT_MS = 3000;
const seg = encodeURIComponent;

export interface ControlPlaneQuery {
  apiUrl: string;
  token?: string;
  /** Project id; else found by the bootstrap's project number. */
  project?: string;
  projectNumber?: string;
  network?: string;
  labels: Record<string, string>;
  nodeId?: string;
  instance?: string;
  zone?: string;
}

export interface ControlPlaneResult {
  view: ControlPlaneView;
  guestAttributes?: NonNullable<NodeEvidence['guestAttributes']>;
  guestAttributesError?: string;
}

class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function client(apiUrl: string, token: string | undefined) {
  return async <T>(path: string): Promise<T> => {
    const url = apiUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(`cannot reach Vane's API at ${apiUrl}: ${cause ?? errorText(err)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.trim().slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new HttpError(`GET ${path}: HTTP ${res.status}: ${message}`, res.status);
    }
    return JSON.parse(text) as T;
  };
}

const lastSegment = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

async function findProject(get: ReturnType<typeof client>, q: ControlPlaneQuery) {
  type P = { projectId: string; projectNumber: string };
  if (q.project !== undefined) {
    const p = await get<P>(`/v1/projects/${seg(q.project)}`);
    return { id: p.projectId, number: String(p.projectNumber) };
  }
  if (q.projectNumber === undefined)
    throw new Error('no project: give --project (or a bootstrap with a project number)');
  const list = await get<{ projects: P[] }>('/v1/projects');
  const p = list.projects.find((x) => String(x.projectNumber) === q.projectNumber);
  if (p === undefined)
    throw new Error(`no project with number ${q.projectNumber} is visible with this token`);
  return { id: p.projectId, number: String(p.projectNumber) };
}

async function forwardingRules(get: ReturnType<typeof client>, project: string) {
  const out: NonNullable<ControlPlaneView['forwardingRules']> = [];
  let pageToken: string | undefined;
  do {
    const q = `?maxResults=500${pageToken ? `&pageToken=${seg(pageToken)}` : ''}`;
    const page = await get<{ items?: ForwardingRule[]; nextPageToken?: string }>(
      `/compute/v1/projects/${seg(project)}/global/forwardingRules${q}`,
    );
    for (const fr of page.items ?? []) {
      if (fr.loadBalancingScheme !== 'INTERNAL_SELF_MANAGED') continue;
      out.push({
        name: fr.name,
        network: lastSegment(fr.network ?? ''),
        IPAddress: fr.IPAddress,
        port: forwardingRulePort(fr),
        target: fr.target,
      });
    }
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return out;
}

type ProxyList = {
  proxies: {
    node?: { id: string };
    types: { typeUrl: string; nack?: { message: string }; resources: { name: string; status: string }[] }[];
  }[];
};

async function proxyState(get: ReturnType<typeof client>, project: string, nodeId: string) {
  const list = await get<ProxyList>(`/v1/projects/${seg(project)}/proxies`);
  const mine = list.proxies.filter((p) => p.node?.id === nodeId);
  const nacks = mine.flatMap((p) =>
    p.types
      .filter((t) => t.nack !== undefined)
      .map((t) => ({
        typeUrl: t.typeUrl,
        message: t.nack!.message,
        resourceNames: t.resources.filter((r) => r.status === 'NACKED').map((r) => r.name),
      })),
  );
  return { connected: mine.length > 0, nacks };
}

/** Every call is tried; the first failure is the view's error. */
export async function readControlPlane(q: ControlPlaneQuery): Promise<ControlPlaneResult> {
  const get = client(q.apiUrl, q.token);
  const view: ControlPlaneView = { apiUrl: q.apiUrl };
  const result: ControlPlaneResult = { view };
  const fail = (err: unknown) => {
    view.error ??= errorText(err);
  };
  try {
    view.project = await findProject(get, q);
  } catch (err) {
    fail(err);
    return result;
  }
  const project = view.project.id;
  await forwardingRules(get, project).then((r) => {
    view.forwardingRules = r;
  }, fail);
  if (q.network !== undefined) {
    const labels = Object.entries(q.labels)
      .map(([k, v]) => `&label=${seg(`${k}=${v}`)}`)
      .join('');
    await get<{ targets: ControlPlaneView['interceptionTargets'] }>(
      `/v1/projects/${seg(project)}/networks/${seg(q.network)}/interceptionTargets?timeoutSec=0${labels}`,
    ).then((r) => {
      view.interceptionTargets = r.targets ?? [];
    }, fail);
  }
  if (q.nodeId !== undefined)
    await proxyState(get, project, q.nodeId).then((p) => {
      view.proxy = p;
    }, fail);
  if (q.instance !== undefined && q.zone !== undefined) {
    const path = `/compute/v1/projects/${seg(project)}/zones/${seg(q.zone)}/instances/${seg(q.instance)}/getGuestAttributes?queryPath=gce-service-proxy/`;
    try {
      const body = await get<{
        queryValue?: { items?: { namespace?: string; key?: string; value?: string }[] };
      }>(path);
      result.guestAttributes = { source: q.apiUrl + path, values: fromItems(body.queryValue?.items ?? []) };
    } catch (err) {
      // No attributes at all yet: the agent has not started (BOOTSTRAP_NOT_STARTED), not a failure to read.
      if (err instanceof HttpError && err.status === 404)
        result.guestAttributes = { source: q.apiUrl + path, values: {} };
      else result.guestAttributesError = errorText(err);
    }
  }
  return result;
}
