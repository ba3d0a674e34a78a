// Every finding Vane can report, with a stable code (never renamed: scripts and tests rely
// on them), its severity and the fix an operator should try first. The order is the order
// in which the troubleshooting guide walks a broken node: a finding earlier here is closer
// to the root cause, and reports list the first cause first.
export type Severity = 'error' | 'warning' | 'info';

export interface CatalogEntry {
  severity: Severity;
  /** One line: what is wrong. */
  title: string;
  /** What to do about it, when the finding does not say something more specific. */
  fix: string;
}

export const CATALOG = {
  // A. The proxy does not connect to the control plane
  XDS_DNS_FAILURE: {
    severity: 'error',
    title: "the control plane's host name does not resolve",
    fix: "fix DNS for the xDS server's name, or put its address in the bootstrap",
  },
  XDS_UNREACHABLE: {
    severity: 'error',
    title: 'the control plane cannot be reached',
    fix: "open the path to Vane's xDS port (firewall, listen address) and check the bootstrap's server address",
  },
  XDS_TLS_OR_AUTH_FAILURE: {
    severity: 'error',
    title: 'the control plane refused the connection (TLS or credentials)',
    fix: "check the bootstrap's channel credentials and certificates against how Vane serves xDS",
  },
  XDS_PERMISSION_DENIED: {
    severity: 'error',
    title: 'the credentials lack the proxy role for this project',
    fix: 'use a token with role proxy (or higher) for the project: vane tokens create --project P --role proxy',
  },
  PROJECT_NOT_ENABLED: {
    severity: 'error',
    title: 'the project number is unknown to the control plane',
    fix: 'create the project (vane projects create) or fix the project number in the bootstrap',
  },
  CREDENTIAL_SCOPE_MISSING: {
    severity: 'error',
    title: 'the VM lacks the credentials scope the control plane requires',
    fix: 'recreate the VM with the cloud-platform scope and a service account allowed to use Traffic Director',
  },
  ENVOY_VERSION_TOO_OLD: {
    severity: 'error',
    title: 'Envoy is older than 1.9.1',
    fix: 'install Envoy 1.9.1 or later (regular-expression matching needs 1.12.0)',
  },
  INTERCEPTION_LOOP_PROXY_UID: {
    severity: 'error',
    title: "interception redirects the proxy's own traffic back to the proxy",
    fix: 'exclude the proxy user: `-m owner --uid-owner <proxy uid> -j RETURN` before any redirect (vane intercept apply does)',
  },
  // B. Configured services are unreachable
  PROXY_NOT_RUNNING: {
    severity: 'error',
    title: 'the proxy (Envoy) is not running',
    fix: 'start it (run.sh start, or restart vane agent) and read $LOG_DIR/envoy.err.log if it exits',
  },
  PROXY_NO_DYNAMIC_CONFIG: {
    severity: 'error',
    title: 'the proxy runs but has no configuration from the control plane',
    fix: 'see the connection findings above; check the bootstrap and that Vane sees the proxy (vane proxies)',
  },
  PROXY_CONFIG_REJECTED: {
    severity: 'error',
    title: 'the proxy rejected configuration from the control plane',
    fix: "read the proxy's error; fix the resource it names (vane analyze shows the user object behind it)",
  },
  VIP_NOT_IN_LISTENER: {
    severity: 'error',
    title: "a service VIP:port has no filter chain in the proxy's interception listener",
    fix: "check the forwarding rule's network, port and metadataFilters against the proxy's bootstrap",
  },
  VIP_NOT_INTERCEPTED: {
    severity: 'error',
    title: 'traffic to a service VIP is not redirected to the proxy',
    fix: 're-run interception setup (vane intercept apply, or restart vane agent)',
  },
  IPV6_MODULES_MISSING: {
    severity: 'error',
    title: "ip6tables failed: the kernel's IPv6 netfilter modules are not loaded",
    fix: 'load them (modprobe ip6table_nat) or reboot the VM, then re-run interception setup',
  },
  // C. Access logging
  ACCESS_LOG_NOT_WRITABLE: {
    severity: 'error',
    title: "the access log path is not writable by the proxy's user, so the listener is rejected",
    fix: 'make the file and its directory writable by the proxy user, or change TRAFFICDIRECTOR_ACCESS_LOG_PATH',
  },
  // D. Interception side effects
  INTERCEPT_ALL_UNCONFIGURED_DESTINATIONS: {
    severity: 'warning',
    title: 'all outbound traffic is intercepted, so destinations the control plane does not know are dropped',
    fix: 'intercept only service VIPs, or exclude those destinations (exclude-outbound-ip-ranges / -port-ranges)',
  },
  // E. Control plane behaviour
  CONFIG_NOT_FOUND_FOR_NETWORK: {
    severity: 'error',
    title: "no INTERNAL_SELF_MANAGED forwarding rule exists in the proxy's network",
    fix: 'create a forwarding rule in that network, or fix the network name in the bootstrap',
  },
  BOOTSTRAP_NETWORK_MISMATCH: {
    severity: 'error',
    title: "the bootstrap's network differs from the forwarding rules' network",
    fix: 'make TRAFFICDIRECTOR_NETWORK_NAME (VPC_NETWORK_NAME, network=) match the forwarding rules',
  },
  BOOTSTRAP_PROJECT_NUMBER_MISSING: {
    severity: 'error',
    title: 'the bootstrap has no project number',
    fix: 'set TRAFFICDIRECTOR_GCP_PROJECT_NUMBER (GCP_PROJECT_NUMBER) to the project number, not its id',
  },
  REQUESTED_ENTITY_NOT_FOUND: {
    severity: 'error',
    title: 'the control plane answered "Requested entity was not found."',
    fix: 'check the project number in the bootstrap and that the project exists',
  },
  FAIL_OPEN_ACTIVE: {
    severity: 'warning',
    title: "at least 99 % of a backend service's endpoints are unhealthy, so health is ignored (fail open)",
    fix: 'fix the backends or their health check',
  },
  // F. Automatic deployment
  BOOTSTRAP_NOT_STARTED: {
    severity: 'warning',
    title: 'the agent has not started the bootstrap yet',
    fix: 'wait a few minutes (the VM may still be booting), then check again; is vane agent running?',
  },
  BOOTSTRAP_IN_PROGRESS: {
    severity: 'info',
    title: 'the proxy bootstrap is still in progress',
    fix: 'check again in a minute',
  },
  BOOTSTRAP_FAILED: {
    severity: 'error',
    title: 'the proxy bootstrap failed',
    fix: 'act on bootstrap-last-failure; the agent retries by itself once the cause is fixed',
  },
  AGENT_STUCK: {
    severity: 'error',
    title: "the agent's heartbeat is older than 5 minutes",
    fix: 'restart the agent or recreate the instance',
  },
  AGENT_LAST_FAILURE: {
    severity: 'warning',
    title: 'the agent reported an error',
    fix: 'a transient error (e.g. Vane unreachable) clears itself: check again; otherwise act on it',
  },
  AGENT_NOT_RUNNING: {
    severity: 'error',
    title: 'the agent is not running, so new services are not intercepted',
    fix: 'start vane agent',
  },
  SERVICE_CIDR_MISSING: {
    severity: 'error',
    title: 'a service VIP has no SERVICE_PROXY_REDIRECT entry in SERVICE_PROXY_SERVICE_CIDRS',
    fix: 'the agent has not caught up: check the AGENT_* findings, or restart vane agent',
  },
  INBOUND_PORT_NOT_INTERCEPTED: {
    severity: 'error',
    title: 'a serving port has no SERVICE_PROXY_IN_REDIRECT entry, so inbound traffic bypasses the proxy',
    fix: 'fix serving-ports in the agent settings and restart it',
  },
  INBOUND_PORT_DROPPED: {
    severity: 'error',
    title: 'another firewall rule drops traffic to a serving port',
    fix: 'remove or narrow the rule that drops it',
  },
  INBOUND_LISTENER_MISSING: {
    severity: 'error',
    title: 'the proxy has no inbound listener configuration for a serving port',
    fix: 'check TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT and TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS in the bootstrap',
  },
  // Beyond the guide: control-plane analysis
  PROXY_NACKED: {
    severity: 'error',
    title: 'a connected proxy rejected (NACKed) configuration Vane sent',
    fix: 'fix the resource named in the proxy message; vane proxy-config shows what was sent',
  },
  PROXY_NOT_CONNECTED: {
    severity: 'warning',
    title: 'Vane does not see this proxy connected',
    fix: 'see the connection findings; compare the bootstrap node id with vane proxies',
  },
  FORWARDING_RULE_PORT_CLASH: {
    severity: 'error',
    title: 'two forwarding rules in one network use the same address and port; one is ignored',
    fix: 'give one of them another port or address',
  },
  PROXYLESS_HOST_WITHOUT_RULE: {
    severity: 'warning',
    title: 'a proxyless host rule names a port no forwarding rule of its URL map listens on',
    fix: 'add the port to the host (host:PORT) matching a forwarding rule, or add a forwarding rule on that port',
  },
  BACKEND_SERVICE_NO_BACKENDS: {
    severity: 'warning',
    title: 'a backend service in use has no backends (or none with endpoints)',
    fix: 'add a NEG with endpoints to the backend service',
  },
  BACKEND_SERVICE_NO_HEALTH_CHECK: {
    severity: 'info',
    title: 'a backend service has no health check, so its endpoints are always used',
    fix: 'attach a health check so that broken endpoints stop receiving traffic',
  },
  TRANSLATION_ISSUE: {
    severity: 'warning',
    title: 'part of the configuration cannot be translated and is skipped',
    fix: 'fix the field named in the message',
  },
  CONFIG_REFUSED_BY_VALIDATION: {
    severity: 'error',
    title: "a translated configuration failed Envoy's validation rules and was not sent",
    fix: 'fix the resource named in the message; proxies keep their last good configuration meanwhile',
  },
  PROXY_NO_VISIBLE_RULES: {
    severity: 'warning',
    title: "a connected proxy sees none of its network's forwarding rules (metadataFilters hide them all)",
    fix: "match the rules' metadataFilters with the proxy's node metadata, or change the filters",
  },
  HEALTH_CHECK_PORT_UNRESOLVED: {
    severity: 'warning',
    title: 'a health check cannot determine which port to probe, so every probe fails',
    fix: 'use portSpecification USE_SERVING_PORT, or USE_FIXED_PORT with a port (NEG endpoints have no named ports)',
  },
} as const satisfies Record<string, CatalogEntry>;

export type FindingCode = keyof typeof CATALOG;

export const CODES: readonly FindingCode[] = Object.keys(CATALOG) as FindingCode[];
