// VirtualService (networking.istio.io): hosts, gateways and the http / tls / tcp route lists.
import { exportTo, host, labelMap } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, type Infer, int, obj, str } from '../schema.js';
import { checkWeights, destination, httpRoute } from './vs-http.js';

export const ISTIO_NETWORKING = 'networking.istio.io';
export const NETWORKING_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;

const cidr = () => str({ nonEmpty: true });
const routeDestination = () => obj({ destination: destination().required(), weight: int({ min: 0 }) });

const tlsRoute = () =>
  obj({
    match: arr(
      obj({
        sniHosts: arr(host(), { minItems: 1 }).required(),
        destinationSubnets: arr(cidr()),
        port: int({ min: 1, max: 65535 }),
        sourceLabels: labelMap(),
        gateways: arr(str()),
        sourceNamespace: str(),
      }),
      { minItems: 1 },
    ).required(),
    route: arr(routeDestination(), { minItems: 1 }).check(checkWeights),
  });

const tcpRoute = () =>
  obj({
    match: arr(
      obj({
        destinationSubnets: arr(cidr()),
        port: int({ min: 1, max: 65535 }),
        sourceSubnet: str(),
        sourceLabels: labelMap(),
        gateways: arr(str()),
        sourceNamespace: str(),
      }),
    ),
    route: arr(routeDestination(), { minItems: 1 }).check(checkWeights),
  });

export const virtualServiceSpec = obj(
  {
    /** Absent only in a delegate VirtualService, which another one points at. */
    hosts: arr(host(), { minItems: 1 }),
    /** Gateway names (`ns/name` or `name`); `mesh` means sidecars. Istio's default when absent: ["mesh"]. */
    gateways: arr(str({ nonEmpty: true })),
    http: arr(httpRoute()),
    tls: arr(tlsRoute()),
    tcp: arr(tcpRoute()),
    exportTo: exportTo(),
  },
  {
    check: (vs, ctx, path) => {
      if (!vs.http?.length && !vs.tls?.length && !vs.tcp?.length) {
        ctx.error(path, 'a VirtualService needs at least one http, tls or tcp route', 'no-routes');
      }
      const toMesh = !vs.gateways || vs.gateways.includes('mesh');
      vs.hosts?.forEach((h, i) => {
        if (h === '*' && toMesh) {
          ctx.error(
            `${path}.hosts[${i}]`,
            'wildcard host "*" is not allowed for a VirtualService bound to the mesh',
            'host',
          );
        }
      });
      if (!vs.hosts && vs.gateways)
        ctx.error(`${path}.gateways`, 'a delegate VirtualService (no hosts) cannot set gateways', 'delegate');
    },
  },
);

export type VirtualServiceSpec = Infer<typeof virtualServiceSpec>;
export type TLSRoute = Infer<ReturnType<typeof tlsRoute>>;
export type TCPRoute = Infer<ReturnType<typeof tcpRoute>>;
export type RouteDestination = Infer<ReturnType<typeof routeDestination>>;
export type VirtualServiceResource = Resource<VirtualServiceSpec>;

export const virtualServiceKind = defineKind({
  kind: 'VirtualService',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: virtualServiceSpec,
  description: 'routing rules for traffic to a set of hosts',
});
