// The node agent of automatic deployment: registers the instance, bootstraps the proxy
// (Envoy binary and version, proxy user, bootstrap file, interception, supervised Envoy),
// reports progress as guest attributes under `gce-service-proxy/`, then keeps
// SERVICE_PROXY_SERVICE_CIDRS in step with the services of its network.
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InterceptionTargets } from '../api/routes/agents.js';
import { envoyBootstrap, renderEnvoyBootstrap, validateEnvoyBootstrap } from '../bootstrap/envoy.js';
import { grpcBootstrap } from '../bootstrap/grpc.js';
import {
  applyInterception,
  cleanInterception,
  type InterceptionSpec,
  updateServiceCidrs,
} from '../intercept/index.js';
import { type AgentConfig, serviceProxyDocument } from './config.js';
import type { ConsoleLog } from './console-log.js';
import {
  compareVersions,
  EnvoySupervisor,
  envoyVersion,
  findEnvoy,
  MIN_ENVOY_VERSION,
} from './envoy-process.js';
import { type BootstrapStatus, GuestAttributeReporter } from './guest-attributes.js';
import { type ProxyUser, resolveProxyUser } from './proxy-user.js';
import { VaneClient } from './vane-client.js';

/** A bootstrap step that failed: the step's name prefixes `bootstrap-last-failure`. */
class StepError extends Error {
  constructor(step: string, cause: unknown) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const WATCH_TIMEOUT_SEC = 25;

export class Agent {
  private readonly client: VaneClient;
  private readonly attrs: GuestAttributeReporter;
  private readonly abort = new AbortController();
  private envoy: EnvoySupervisor | undefined;
  private spec: InterceptionSpec | undefined;
  private intercepted = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private targets: InterceptionTargets | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly console: ConsoleLog,
  ) {
    this.client = new VaneClient(config.apiUrl, config.token, config.project, config.zone, config.instance);
    this.attrs = new GuestAttributeReporter(this.client, (l) => this.log(l));
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private log(line: string): void {
    this.console.line(line);
  }

  /** Runs until `stop()`. */
  async run(): Promise<void> {
    const c = this.config;
    this.log(
      `starting: project ${c.project}, zone ${c.zone}, instance ${c.instance} (${c.instanceIp}), network ${c.network}, mode ${c.mode}, Vane ${c.apiUrl} / xDS ${c.xdsServerUri}`,
    );
    mkdirSync(c.stateDir, { recursive: true });
    await this.register();
    if (this.stopped) return;
    this.heartbeat = setInterval(() => void this.attrs.report(), c.heartbeatIntervalSec * 1000);

    while (!this.stopped) {
      await this.setStatus('IN PROGRESS');
      try {
        if (c.mode === 'proxyless') await this.bootstrapProxyless();
        else await this.bootstrapEnvoy();
        await this.setStatus('FINISHED');
        break;
      } catch (err) {
        if (this.stopped) return;
        const message = (err as Error).message;
        this.log(`bootstrap failed: ${message}; retrying in ${c.bootstrapRetrySec} s`);
        await this.attrs.report({ 'bootstrap-status': 'FAILED', 'bootstrap-last-failure': message });
        this.log('bootstrap-status: FAILED');
        await sleep(c.bootstrapRetrySec * 1000, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    }
    if (c.mode === 'envoy') await this.watchServices();
    else await new Promise<void>((resolve) => this.abort.signal.addEventListener('abort', () => resolve()));
  }

  /**
   * Stops watching and heartbeating, stops Envoy and removes interception, so that the
   * node's traffic is not redirected to a proxy that no longer runs. An agent that is
   * killed instead leaves both in place (and its heartbeat goes stale).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.log('stopping');
    this.abort.abort();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.envoy?.stop();
    if (this.intercepted) {
      try {
        await cleanInterception({ log: (l) => this.log(l) });
        this.log('interception removed');
      } catch (err) {
        this.log(`could not remove interception: ${(err as Error).message}`);
      }
    }
    this.log('stopped');
  }

  private async setStatus(status: BootstrapStatus): Promise<void> {
    this.log(`bootstrap-status: ${status}`);
    await this.attrs.report({ 'bootstrap-status': status });
  }

  /** Registers the instance, retrying until Vane answers (a booting VM may come up first). */
  private async register(): Promise<void> {
    const c = this.config;
    const body = {
      networkIP: c.instanceIp,
      network: `global/networks/${c.network}`,
      ...(Object.keys(c.labels).length > 0 ? { labels: c.labels } : {}),
      metadata: { items: [{ key: 'gce-service-proxy', value: JSON.stringify(serviceProxyDocument(c)) }] },
    };
    let delay = 1000;
    while (!this.stopped) {
      try {
        const { result } = await this.client.register(body);
        this.log(`instance ${c.instance} registered (${result})`);
        return;
      } catch (err) {
        const message = (err as Error).message;
        this.log(`registering the instance failed: ${message}; retrying in ${delay / 1000} s`);
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => {});
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private nodeUuid(): string {
    const file = join(this.config.stateDir, 'node-uuid');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const uuid = randomUUID();
    writeFileSync(file, `${uuid}\n`);
    return uuid;
  }

  private async bootstrapProxyless(): Promise<void> {
    const c = this.config;
    const projectNumber = await stepAsync('read project', () => this.client.projectNumber());
    const doc = grpcBootstrap({
      xdsServerUri: c.xdsServerUri,
      projectNumber,
      network: c.network,
      zone: c.zone,
      nodeUuid: this.nodeUuid(),
      metadata: { INSTANCE_IP: c.instanceIp, ...c.labels },
      ignoreResourceDeletion: false,
    });
    step('write gRPC bootstrap', () =>
      writeAtomically(c.grpcBootstrapPath, `${JSON.stringify(doc, null, 2)}\n`),
    );
    this.log(
      `gRPC bootstrap written to ${c.grpcBootstrapPath} (set GRPC_XDS_BOOTSTRAP=${c.grpcBootstrapPath})`,
    );
  }

  private async bootstrapEnvoy(): Promise<void> {
    const c = this.config;
    const binary = step('find Envoy', () => findEnvoy(c.envoyBinary));
    const version = await stepAsync('check Envoy version', () => envoyVersion(binary));
    await this.attrs.report({ 'proxy-version': version });
    if (compareVersions(version, MIN_ENVOY_VERSION) < 0) {
      throw new StepError(
        'check Envoy version',
        `Envoy ${version} at ${binary} is older than ${MIN_ENVOY_VERSION}, the oldest that works with Vane; install a newer Envoy`,
      );
    }
    this.log(`Envoy ${version} found at ${binary}`);
    const user = step('proxy user', () => resolveProxyUser(c.proxyUser));
    this.log(`proxy user ${user.name} (uid ${user.uid})`);

    step('prepare log directory', () => this.prepareLogs(user));
    const projectNumber = await stepAsync('read project', () => this.client.projectNumber());
    const bootstrap = envoyBootstrap({
      projectNumber,
      network: c.network,
      nodeUuid: this.nodeUuid(),
      zone: c.zone,
      xdsServerUri: c.xdsServerUri,
      adminPort: c.adminPort,
      interceptionPort: c.proxyPort,
      ...(c.servingPorts.length > 0 ? { inboundInterceptionPort: c.inboundPort } : {}),
      inboundBackendPorts: c.servingPorts,
      ...(c.accessLog === undefined ? {} : { accessLogPath: c.accessLog }),
      tracing: c.tracing,
      instanceIp: c.instanceIp,
      labels: c.labels,
    });
    const problems = validateEnvoyBootstrap(bootstrap);
    if (problems.length > 0) throw new StepError('write Envoy bootstrap', problems.join('; '));
    step('write Envoy bootstrap', () =>
      writeAtomically(c.bootstrapPath, renderEnvoyBootstrap(bootstrap, 'yaml')),
    );
    this.log(`Envoy bootstrap written to ${c.bootstrapPath}`);

    this.targets = await stepAsync('read services', () =>
      this.client.interceptionTargets(c.network, c.labels, undefined, 0),
    );
    this.log(`services in network ${c.network}: ${describeTargets(this.targets)}`);
    this.spec = {
      style: 'agent',
      proxyPort: c.proxyPort,
      proxyUid: user.uid,
      serviceCidrs: vipsOf(this.targets),
      interceptAll: c.interceptAllOutbound,
      excludeOutboundIpRanges: [
        ...c.excludeOutboundIpRanges,
        ...(c.interceptAllOutbound ? await this.vaneAddresses() : []),
      ],
      excludeOutboundPortRanges: c.excludeOutboundPortRanges,
      ...(c.servingPorts.length > 0 ? { inboundPort: c.inboundPort } : {}),
      servingPorts: c.servingPorts,
    };
    const spec = this.spec;
    const report = await stepAsync('program interception', () =>
      applyInterception(spec, { ipv6: c.ipv6, log: (l) => this.log(l) }),
    );
    this.intercepted = true;
    for (const w of report.warnings) this.log(`warning: ${w}`);
    this.log(
      `interception programmed: ${report.ipv4.length} IPv4 rules, ${report.ipv6 === null ? 'no IPv6' : `${report.ipv6.length} IPv6 rules`}`,
    );

    if (!this.envoy) {
      this.envoy = new EnvoySupervisor({
        binary,
        args: ['-c', c.bootstrapPath, '--log-level', c.logLevel],
        uid: user.uid,
        gid: user.gid,
        errLog: join(c.logDir, 'envoy.err.log'),
        pidFile: join(c.stateDir, 'envoy.pid'),
        log: (l) => this.log(l),
        onFailure: (message) => {
          this.log(message);
          void this.attrs.report({ 'agent-last-failure': message });
        },
      });
      await this.envoy.killLeftover();
    } else await this.envoy.stop();
    this.envoy.start();
    await stepAsync('start Envoy', () => this.waitForAdmin());
  }

  /**
   * The access log and Envoy's own log must be writable by the proxy user: an access log
   * it cannot open makes Envoy reject the whole interception listener.
   */
  private prepareLogs(user: ProxyUser): void {
    const c = this.config;
    mkdirSync(c.logDir, { recursive: true });
    if (c.accessLog !== undefined) {
      mkdirSync(dirname(c.accessLog), { recursive: true });
      closeSync(openSync(c.accessLog, 'a'));
      chownSync(c.accessLog, user.uid, user.gid);
    }
  }

  /** In intercept-all mode the agent's own connections to Vane must not be redirected. */
  private async vaneAddresses(): Promise<string[]> {
    const hosts = [new URL(this.config.apiUrl).hostname, this.config.xdsServerUri.replace(/:\d+$/, '')];
    const out = new Set<string>();
    for (const h of hosts) {
      const host = h.replace(/^\[|\]$/g, '');
      try {
        for (const a of await lookup(host, { all: true }))
          out.add(a.family === 6 ? `${a.address}/128` : `${a.address}/32`);
      } catch (err) {
        throw new Error(`cannot resolve ${host}: ${(err as Error).message}`);
      }
    }
    return [...out];
  }

  private async waitForAdmin(): Promise<void> {
    const deadline = Date.now() + 15_000;
    const url = `http://127.0.0.1:${this.config.adminPort}/server_info`;
    while (Date.now() < deadline && !this.stopped) {
      if (!this.envoy?.running())
        throw new Error(`Envoy exited at start; see ${join(this.config.logDir, 'envoy.err.log')}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        this.log(`Envoy admin answers on 127.0.0.1:${this.config.adminPort}`);
        return;
      } catch {
        await sleep(200);
      }
    }
    throw new Error(
      `Envoy did not open its admin port ${this.config.adminPort} within 15 s; see ${join(this.config.logDir, 'envoy.err.log')}`,
    );
  }

  /** Long-polls Vane for the network's services and reprograms interception when they change. */
  private async watchServices(): Promise<void> {
    const c = this.config;
    let delay = 1000;
    while (!this.stopped) {
      try {
        const next = await this.client.interceptionTargets(
          c.network,
          c.labels,
          this.targets?.version,
          WATCH_TIMEOUT_SEC,
          this.abort.signal,
        );
        delay = 1000;
        if (next.version !== this.targets?.version) await this.servicesChanged(next);
        await this.attrs.report();
      } catch (err) {
        if (this.stopped) return;
        const message = (err as Error).message;
        this.log(`watching services failed: ${message}; retrying in ${delay / 1000} s`);
        await this.attrs.report({ 'agent-last-failure': message });
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => {});
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async servicesChanged(next: InterceptionTargets): Promise<void> {
    const before = new Set((this.targets?.targets ?? []).map(targetKey));
    const after = new Set(next.targets.map(targetKey));
    const added = [...after].filter((k) => !before.has(k));
    const removed = [...before].filter((k) => !after.has(k));
    this.log(
      `services changed in network ${this.config.network}: ${added.length > 0 ? `new ${added.join(', ')}` : ''}${added.length > 0 && removed.length > 0 ? '; ' : ''}${removed.length > 0 ? `gone ${removed.join(', ')}` : ''}`,
    );
    if (this.spec && !this.spec.interceptAll) {
      const spec = { ...this.spec, serviceCidrs: vipsOf(next) };
      await updateServiceCidrs(spec, { ipv6: this.config.ipv6, log: (l) => this.log(l) });
      this.spec = spec;
      this.log(`SERVICE_PROXY_SERVICE_CIDRS now holds ${spec.serviceCidrs.length} addresses`);
    }
    this.targets = next;
  }
}

function targetKey(t: { ip: string; port: number; forwardingRule: string }): string {
  return `${t.ip}:${t.port} (${t.forwardingRule.slice(t.forwardingRule.lastIndexOf('/') + 1)})`;
}

function describeTargets(t: InterceptionTargets): string {
  return t.targets.length === 0 ? 'none yet' : t.targets.map(targetKey).join(', ');
}

function vipsOf(t: InterceptionTargets): string[] {
  return [...new Set(t.targets.map((x) => x.ip))].sort();
}

function step<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new StepError(name, err);
  }
}

async function stepAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StepError(name, err);
  }
}

/** Readers never see a half-written file: write beside it, then rename over it. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}
