// Proxyless gRPC clients: their CSDS ClientStatusResponse (grpc's admin service) says which
// resources they asked for, received, NACKed or were told do not exist.
import { type Finding, finding } from '../finding.js';
import { arr, get, str } from '../parse/json.js';
import type { CheckContext } from './context.js';

const short = (typeUrl: string) => typeUrl.replace(/^.*\./, '');

export function proxylessChecks(ctx: CheckContext): Finding[] {
  const c = ctx.e.csds;
  if (c === undefined || ctx.e.mode !== 'grpc') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(c.text);
  } catch {
    return [];
  }
  const configs = arr(doc, 'config').flatMap((cc) => arr(cc, 'generic_xds_configs'));
  if (configs.length === 0)
    return [
      finding(
        'PROXY_NO_DYNAMIC_CONFIG',
        'the gRPC client holds no xDS resource (its CSDS status lists none)',
        [`${c.source}: 0 generic_xds_configs`],
      ),
    ];
  const out: Finding[] = [];
  for (const g of configs) {
    const type = str(g, 'type_url') ?? '';
    const name = str(g, 'name') ?? '';
    const client = str(g, 'client_status') ?? '';
    const err = get(g, 'error_state');
    const details = str(err, 'details') ?? '';
    if (client === 'NACKED' || str(g, 'config_status') === 'ERROR' || details !== '')
      out.push(
        finding(
          'PROXY_CONFIG_REJECTED',
          `the gRPC client rejected ${short(type)} ${name}: ${details || '(no details)'}`,
          [`${c.source}: ${type} ${name}: client_status ${client || '?'}, error_state.details = ${details}`],
          { subject: `${short(type)}/${name}` },
        ),
      );
    else if (client === 'DOES_NOT_EXIST' && /Listener$/.test(type))
      out.push(
        finding(
          'PROXYLESS_HOST_WITHOUT_RULE',
          `the control plane has no listener for the client's target "${name}": no host rule with that host:port is served by a forwarding rule in the client's network`,
          [`${c.source}: ${type} ${name}: client_status DOES_NOT_EXIST`],
          {
            subject: name,
            fix: `add host "${name}" to a URL map host rule whose forwarding rule listens on that port (port 80 may be left out), or dial a target that has one`,
          },
        ),
      );
  }
  return out;
}
