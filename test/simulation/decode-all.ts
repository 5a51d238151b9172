// Test support: every resource a proxy would receive, encoded to bytes and decoded by the proxy's own
// decoders; returns the decode errors (a NACK each) by resource so tests can assert there are none.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MeshProxy } from '../../src/controlplane/model/proxy.js';
import type { Snapshot } from '../../src/controlplane/model/snapshot.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { translateAll } from '../../src/controlplane/translate/generators.js';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/generated/envoy/config/route/v3/route_pb.js';
import { decodeCluster } from '../../src/proxy/xds-client/decode-cluster.js';
import { decodeClusterLoadAssignment } from '../../src/proxy/xds-client/decode-endpoint.js';
import { decodeListener } from '../../src/proxy/xds-client/decode-listener.js';
import { decodeRouteConfiguration } from '../../src/proxy/xds-client/decode-route.js';

export function decodeErrors(snapshot: Snapshot, proxy: MeshProxy): string[] {
  const all = translateAll(new TranslateContext(snapshot, proxy));
  const errors: string[] = [];
  const noFiles = { readFile: () => '' };
  const check = (
    kind: string,
    name: string,
    r: { ok: boolean; errors?: { path: string; message: string }[] },
  ) => {
    if (!r.ok) for (const e of r.errors ?? []) errors.push(`${kind} ${name}: ${e.path}: ${e.message}`);
  };
  for (const l of all.listeners)
    check(
      'listener',
      l.name,
      decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)), noFiles),
    );
  for (const c of all.clusters)
    check('cluster', c.name, decodeCluster(fromBinary(ClusterSchema, toBinary(ClusterSchema, c)), noFiles));
  for (const r of all.routes) {
    check(
      'route',
      r.name,
      decodeRouteConfiguration(
        fromBinary(RouteConfigurationSchema, toBinary(RouteConfigurationSchema, r)),
        noFiles,
      ),
    );
  }
  for (const e of all.endpoints) {
    check(
      'endpoint',
      e.clusterName,
      decodeClusterLoadAssignment(
        fromBinary(ClusterLoadAssignmentSchema, toBinary(ClusterLoadAssignmentSchema, e)),
      ),
    );
  }
  return errors;
}
