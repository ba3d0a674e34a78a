// Hosts of URL maps behind target gRPC proxies that no proxyless client can dial: the
// client's listener is named `host:port`, and exists only for the ports of the forwarding
// rules of that chain (the same rule translation applies, ir/listeners.ts authorities()).

import { authorities } from '../../translate/ir/listeners.js';
import { type Finding, finding } from '../finding.js';
import { type Mesh, rulePortsOf, short } from './mesh.js';

export function proxylessFindings(mesh: Mesh): Finding[] {
  const out: Finding[] = [];
  for (const proxy of mesh.res.list('targetGrpcProxies')) {
    const urlMap = mesh.res.get('urlMaps', proxy.body.urlMap);
    if (urlMap === undefined) continue;
    const ports = rulePortsOf(mesh, proxy.path);
    urlMap.body.hostRules?.forEach((hr, i) => {
      hr.hosts.forEach((host, j) => {
        if (ports.some((port) => authorities(host.toLowerCase(), port).length > 0)) return;
        const at = `hostRules[${i}].hosts[${j}]`;
        const why =
          ports.length === 0
            ? `no INTERNAL_SELF_MANAGED forwarding rule targets ${short(proxy.path)}`
            : host.includes('*')
              ? `proxyless clients dial exact names: a wildcard host gets no listener`
              : `the forwarding rules of ${short(proxy.path)} listen on ${ports.join(', ')}`;
        out.push(
          finding(
            'PROXYLESS_HOST_WITHOUT_RULE',
            `proxyless clients dialing xds:///${host} through ${short(proxy.path)} get no listener: ${why}`,
            [
              `${urlMap.path} ${at}: ${host}`,
              `${proxy.path} → ${short(urlMap.path)}; forwarding rule ports: ${ports.join(', ') || 'none'}`,
            ],
            {
              subject: `${urlMap.path}/${at}`,
              ...(ports.length > 0 && !host.includes('*')
                ? {
                    fix: `change the host to ${host.replace(/:\d+$/, '')}:${ports[0]} (or drop its port), or add a forwarding rule on its port targeting ${short(proxy.path)}`,
                  }
                : {}),
            },
          ),
        );
      });
    });
  }
  return out;
}
