import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { ClientResourceStatus } from '../../src/gen/envoy/admin/v3/config_dump_shared_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import type { ClientConfig } from '../../src/gen/envoy/service/status/v3/csds_pb.js';
import { TYPE_URL } from '../../src/xds/types.js';
import { cluster, listener, route, snapshotOf } from './helpers/fake-source.js';
import { NODE, sleep, startHarness } from './helpers/harness.js';

const { listener: LDS, cluster: CDS, route: RDS } = TYPE_URL;

function entry(c: ClientConfig | undefined, typeUrl: string, name: string) {
  const e = c?.genericXdsConfigs.find((g) => g.typeUrl === typeUrl && g.name === name);
  assert.ok(e, `${typeUrl} ${name} in CSDS`);
  return e;
}

test('CSDS reports what each client ACKed, NACKed, was sent and what does not exist', async () => {
  const h = await startHarness(snapshotOf([listener('a'), cluster('c1'), route('r1', 'c1')]));
  try {
    const s = h.client.sotw();
    s.send({ node: { ...NODE, id: 'projects/123/networks/default/nodes/csds-1' }, typeUrl: LDS });
    const lds = await s.next();
    s.send({ typeUrl: LDS, versionInfo: lds.versionInfo, responseNonce: lds.nonce });
    s.send({ typeUrl: CDS });
    const cds = await s.next();
    s.send({
      typeUrl: CDS,
      responseNonce: cds.nonce,
      errorDetail: { code: 14, message: 'cluster c1 is bad' },
    });
    s.send({ typeUrl: RDS, resourceNames: ['r1', 'nope'] });
    await s.next(); // r1, not ACKed: REQUESTED
    const other = h.client.sotw();
    other.send({ node: { ...NODE, id: 'projects/123/networks/default/nodes/other' }, typeUrl: LDS });
    await other.next();
    await sleep(50);

    const all = await h.client.fetchClientStatus();
    assert.equal(all.config.length, 2);
    const res = await h.client.fetchClientStatus({
      nodeMatchers: [
        { nodeId: { matchPattern: { case: 'exact', value: 'projects/123/networks/default/nodes/csds-1' } } },
      ],
    });
    assert.equal(res.config.length, 1);
    const c = res.config[0];
    assert.equal(c?.node?.id, 'projects/123/networks/default/nodes/csds-1');
    const a = entry(c, LDS, 'a');
    assert.equal(a.clientStatus, ClientResourceStatus.ACKED);
    assert.equal(a.versionInfo, h.source.snapshot.resources.get(LDS)?.get('a')?.version);
    assert.equal(a.xdsConfig?.typeUrl, LDS);
    assert.equal(fromBinary(ListenerSchema, a.xdsConfig!.value).name, 'a');
    const c1 = entry(c, CDS, 'c1');
    assert.equal(c1.clientStatus, ClientResourceStatus.NACKED);
    assert.equal(c1.errorState?.details, 'cluster c1 is bad');
    assert.equal(c1.errorState?.versionInfo, cds.versionInfo);
    assert.ok(c1.errorState?.lastUpdateAttempt);
    assert.equal(entry(c, RDS, 'r1').clientStatus, ClientResourceStatus.REQUESTED);
    assert.equal(entry(c, RDS, 'nope').clientStatus, ClientResourceStatus.DOES_NOT_EXIST);

    const prefixed = await h.client.fetchClientStatus({
      nodeMatchers: [
        { nodeId: { matchPattern: { case: 'prefix', value: 'projects/123/networks/default/nodes/oth' } } },
      ],
      excludeResourceContents: true,
    });
    assert.equal(prefixed.config.length, 1);
    assert.equal(entry(prefixed.config[0], LDS, 'a').xdsConfig, undefined);

    const stream = h.client.streamClientStatus();
    stream.send({});
    assert.equal((await stream.next()).config.length, 2);
    stream.send({ nodeMatchers: [{ nodeId: { matchPattern: { case: 'exact', value: 'none' } } }] });
    assert.equal((await stream.next()).config.length, 0);
    stream.end();
    assert.equal((await stream.status()).code, status.OK);
    s.cancel();
    other.cancel();
  } finally {
    await h.close();
  }
});
