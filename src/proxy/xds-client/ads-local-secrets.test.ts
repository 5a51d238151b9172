// Secrets the proxy provisions itself (the certificate agent's `default` and `ROOTCA` in its SecretStore)
// count as present for ADS warming: an mTLS cluster serves without the control plane sending them, and one
// that arrived before the certificate starts serving (and LDS starts) once the certificate is there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { UpstreamTlsContextSchema } from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { DiscoveryResponseSchema } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { SecretStore } from '../secrets/secret-store.js';
import { AdsState } from './ads-state.js';
import { TypeUrl } from './registry.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };

function mtlsClusterResponse() {
  const tls = create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: ads }],
      validationContextType: {
        case: 'validationContextSdsSecretConfig',
        value: { name: 'ROOTCA', sdsConfig: ads },
      },
    },
  });
  const cluster = create(ClusterSchema, {
    name: 'mtls',
    loadAssignment: { clusterName: 'mtls' },
    transportSocket: {
      name: 'envoy.transport_sockets.tls',
      configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) },
    },
  });
  return create(DiscoveryResponseSchema, {
    typeUrl: TypeUrl.cluster,
    versionInfo: '1',
    nonce: 'n1',
    resources: [anyPack(ClusterSchema, cluster)],
  });
}

test('a cluster whose secrets the proxy already holds serves at once', () => {
  const store = new SecretStore();
  store.set([
    { name: 'default', certificateChain: 'c', privateKey: 'k' },
    { name: 'ROOTCA', trustedCa: 'r' },
  ]);
  const st = new AdsState({ hasLocalSecret: (n) => store.get(n) !== undefined });
  st.streamStarted();
  const r = st.handleResponse(mtlsClusterResponse(), 0);
  assert.deepEqual([...st.resources().clusters.keys()], ['mtls']);
  assert.ok(
    r.requests.some((x) => x.typeUrl === TypeUrl.listener),
    'LDS starts: nothing warms',
  );
});

test('a cluster waiting for the certificate serves once it is provisioned locally', () => {
  const store = new SecretStore();
  const st = new AdsState({ hasLocalSecret: (n) => store.get(n) !== undefined });
  st.streamStarted();
  st.handleResponse(mtlsClusterResponse(), 0);
  assert.deepEqual(st.status('cluster').warming, ['mtls']);
  assert.deepEqual(st.localSecretsChanged(), { requests: [], changed: false }, 'nothing new yet');
  store.set([{ name: 'default', certificateChain: 'c', privateKey: 'k' }]);
  assert.equal(st.localSecretsChanged().changed, false, 'still waiting for ROOTCA');
  store.set([{ name: 'ROOTCA', trustedCa: 'r' }]);
  const r = st.localSecretsChanged();
  assert.equal(r.changed, true);
  assert.deepEqual(st.status('cluster').warming, []);
  assert.deepEqual([...st.resources().clusters.keys()], ['mtls']);
  assert.deepEqual(
    r.requests.map((x) => x.typeUrl),
    [TypeUrl.listener],
    'LDS starts now that no cluster warms',
  );
});
