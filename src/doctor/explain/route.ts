// Inside a route configuration: the virtual host for the authority (Envoy's domain order),
// then the first route whose match holds; earlier routes say why they did not match.
import type { Route, VirtualHost } from '../../gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../gen/envoy/config/route/v3/route_pb.js';
import type { Resources } from '../../translate/ir/resources.js';
import { metadataFiltersMatch } from '../../translate/ir/visibility.js';
import type { NodeView } from '../../translate/types.js';
import { describeMatch, evaluateRouteMatch } from './matchers.js';
import type { ExplainRequest } from './request.js';
import type { Rejected, RouteStep } from './types.js';

/**
 * Envoy's virtual host choice: an exact domain, then the longest `*.suffix`, then the
 * longest `prefix.*`, then `*`. Domains compare case-insensitively.
 */
export function selectVirtualHost(
  rc: RouteConfiguration,
  authority: string,
): { vh: VirtualHost; domain: string } | undefined {
  const a = authority.toLowerCase();
  const all = rc.virtualHosts.flatMap((vh) => vh.domains.map((d) => ({ vh, d: d.toLowerCase(), domain: d })));
  const exact = all.find((x) => x.d === a);
  if (exact !== undefined) return { vh: exact.vh, domain: exact.domain };
  const longest = (xs: typeof all) => xs.sort((x, y) => y.d.length - x.d.length)[0];
  const suffix = longest(
    all.filter(
      (x) => x.d.startsWith('*') && x.d !== '*' && a.endsWith(x.d.slice(1)) && a.length > x.d.length - 1,
    ),
  );
  if (suffix !== undefined) return { vh: suffix.vh, domain: suffix.domain };
  const prefix = longest(
    all.filter(
      (x) => x.d.endsWith('*') && x.d !== '*' && a.startsWith(x.d.slice(0, -1)) && a.length > x.d.length - 1,
    ),
  );
  if (prefix !== undefined) return { vh: prefix.vh, domain: prefix.domain };
  const star = all.find((x) => x.d === '*');
  return star === undefined ? undefined : { vh: star.vh, domain: star.domain };
}

/** The first matching route, with the reasons of those before it; undefined when none matches. */
export function selectRoute(
  vh: VirtualHost,
  req: ExplainRequest,
  ctx: { res: Resources; view: NodeView },
  notes: string[],
): { route: Route; step: RouteStep } | { route: undefined; skipped: Rejected[] } {
  const skipped: Rejected[] = [];
  for (const [index, route] of vh.routes.entries()) {
    const r = evaluateRouteMatch(route.match, req);
    for (const n of r.notes ?? []) if (!notes.includes(n)) notes.push(n);
    const priority = priorityOf(ctx.res, route.name);
    if (!r.ok) {
      skipped.push({ name: label(route.name, priority), source: route.name, why: r.why });
      continue;
    }
    const withheld = withheldRules(ctx, route.name, priority);
    return {
      route,
      step: {
        index,
        source: route.name,
        ...(priority === undefined ? {} : { priority }),
        match: describeMatch(route.match),
        why: r.why,
        skipped: [...skipped, ...withheld].sort((x, y) => rank(x) - rank(y)),
      },
    };
  }
  return {
    route: undefined,
    skipped: [...skipped, ...withheldRules(ctx, vh.routes[0]?.name ?? '', undefined)],
  };
}

const RULE = /^(projects\/[^/]+\/global\/urlMaps\/[^/]+)\/pathMatchers\[(\d+)\](?:\/routeRules\[(\d+)\])?/;

/** The route rule's priority, from the URL map the route's name points into. */
function priorityOf(res: Resources, source: string | undefined): number | undefined {
  const m = RULE.exec(source ?? '');
  if (m === null || m[3] === undefined) return undefined;
  return res.get('urlMaps', m[1]!)?.body.pathMatchers?.[Number(m[2])]?.routeRules?.[Number(m[3])]?.priority;
}

function label(source: string, priority: number | undefined): string {
  const short = source.replace(/^projects\/[^/]+\/global\/urlMaps\/[^/]+\//, '');
  return priority === undefined ? short : `${short} (priority ${priority})`;
}

/** Sort key: rule priority, with routes lacking one (path rules, defaults) last. */
function rank(r: Rejected): number {
  const m = /\(priority (\d+)\)$/.exec(r.name);
  return m === null ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

/**
 * Match rules Vane did not send to this node because their metadataFilters do not match its
 * labels (evaluated server-side, like Traffic Director), ahead of the chosen route.
 */
function withheldRules(
  ctx: { res: Resources; view: NodeView },
  chosen: string,
  chosenPriority: number | undefined,
): Rejected[] {
  const m = RULE.exec(chosen);
  if (m === null) return [];
  const urlMapPath = m[1]!;
  const pmIndex = Number(m[2]);
  const pm = ctx.res.get('urlMaps', urlMapPath)?.body.pathMatchers?.[pmIndex];
  const out: Rejected[] = [];
  pm?.routeRules?.forEach((rule, j) => {
    if (chosenPriority !== undefined && rule.priority >= chosenPriority) return;
    rule.matchRules?.forEach((mr, k) => {
      if (metadataFiltersMatch(mr.metadataFilters, ctx.view.metadata)) return;
      const source = `${urlMapPath}/pathMatchers[${pmIndex}]/routeRules[${j}]/matchRules[${k}]`;
      const labels = (mr.metadataFilters ?? [])
        .map(
          (f) => `${f.filterMatchCriteria}(${f.filterLabels.map((l) => `${l.name}=${l.value}`).join(', ')})`,
        )
        .join(' and ');
      out.push({
        name: label(source, rule.priority),
        source,
        why: `not sent to this node: metadataFilters ${labels} do not match its labels`,
      });
    });
  });
  return out;
}
