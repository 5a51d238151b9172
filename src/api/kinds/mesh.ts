// Trellis's own Mesh (trellis.dev): the services and workloads of a one-machine mesh, read by `trellis up`.
import { dnsLabel, labelMap } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, bool, type Ctx, either, type Infer, int, map, obj, str } from '../schema.js';
import { checkProtocol } from './gateway.js';

export const TRELLIS = 'trellis.dev';

/** A program to run: an argv list, or one string run by the shell. */
const command = () => either(arr(str(), { minItems: 1 }), (v) => Array.isArray(v), str({ nonEmpty: true }));

const meshPort = () =>
  obj({
    /** Istio-style name; its prefix (`http-`, `grpc-`, `tcp-`) gives the protocol when `protocol` is absent. */
    name: dnsLabel().required(),
    /** The service port clients call. */
    port: int({ min: 1, max: 65535 }).required(),
    /** The port the workload listens on; default: a free port chosen by `trellis up`, passed as $PORT. */
    targetPort: int({ min: 1, max: 65535 }),
    protocol: str().check(checkProtocol),
  });

const version = () =>
  obj({
    name: dnsLabel().required(),
    /** Default: `{ version: <name> }`, added to the service's labels. */
    labels: labelMap(),
    replicas: int({ min: 0 }),
    command: command(),
    env: map(str()),
  });

const meshService = () =>
  obj(
    {
      name: dnsLabel().required(),
      namespace: dnsLabel().default('default'),
      /** Default: the service name. The workload's identity: spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>. */
      serviceAccount: dnsLabel(),
      /** Default: `{ app: <name> }`. */
      labels: labelMap(),
      ports: arr(meshPort(), { minItems: 1 }).required(),
      /** Defaults for every version. */
      command: command(),
      env: map(str()),
      replicas: int({ min: 0 }).default(1),
      versions: arr(version(), { minItems: 1 }),
      /**
       * A proxyless gRPC service (Istio's grpc-agent template): no sidecar; the app's gRPC library takes its
       * config over xDS (GRPC_XDS_BOOTSTRAP) and serves its ports itself, with certificate files for mTLS.
       */
      proxyless: bool().default(false),
    },
    {
      check: (s, ctx, path) => {
        const versions = s.versions ?? [];
        if (!s.command && (versions.length === 0 || versions.some((v) => !v.command))) {
          ctx.error(`${path}.command`, 'a service needs a command (here, or in every version)', 'required');
        }
        unique(
          versions.map((v) => v.name),
          `${path}.versions`,
          'name',
          'version name',
          ctx,
        );
        unique(
          s.ports.map((p) => p.name),
          `${path}.ports`,
          'name',
          'port name',
          ctx,
        );
        unique(
          s.ports.map((p) => String(p.port)),
          `${path}.ports`,
          'port',
          'port',
          ctx,
        );
      },
    },
  );

function unique(values: string[], listPath: string, field: string, what: string, ctx: Ctx): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const prev = seen.get(v);
    if (prev !== undefined)
      ctx.error(`${listPath}[${i}].${field}`, `duplicate ${what} "${v}" (first at [${prev}])`, 'duplicate');
    else seen.set(v, i);
  });
}

export const meshSpec = obj(
  {
    /** Cluster domain of service FQDNs (`<svc>.<ns>.svc.<domain>`). */
    domain: str().default('cluster.local'),
    trustDomain: str().default('cluster.local'),
    /** Files or directories of Istio / Gateway API resources to load with the mesh, relative to this file. */
    config: arr(str({ nonEmpty: true })),
    namespaces: arr(obj({ name: dnsLabel().required(), labels: labelMap() })),
    services: arr(meshService()).default([]),
    /**
     * Also run an egress gateway (`istio-egressgateway` in istio-system, labels `istio: egressgateway`) for
     * the Gateways that select it, reachable in the mesh as istio-egressgateway.istio-system.svc.<domain>.
     */
    egressGateway: bool().default(false),
  },
  {
    check: (m, ctx, path) => {
      unique(
        m.services.map((s) => `${s.namespace}/${s.name}`),
        `${path}.services`,
        'name',
        'service',
        ctx,
      );
    },
  },
);

export type MeshSpec = Infer<typeof meshSpec>;
export type MeshService = Infer<ReturnType<typeof meshService>>;
export type MeshPort = Infer<ReturnType<typeof meshPort>>;
export type MeshResource = Resource<MeshSpec>;

/** One runnable workload of a Mesh with every default applied. */
export interface MeshWorkload {
  service: string;
  namespace: string;
  /** Version name; '' when the service lists no versions. */
  version: string;
  serviceAccount: string;
  labels: Record<string, string>;
  ports: MeshPort[];
  command: string[] | string;
  env: Record<string, string>;
  replicas: number;
  proxyless: boolean;
}

/** Expands services × versions into workloads (labels app/version, service account, env and replicas defaulted). */
export function meshWorkloads(spec: MeshSpec): MeshWorkload[] {
  const out: MeshWorkload[] = [];
  for (const s of spec.services) {
    const base = { app: s.name, ...(s.labels ?? {}) };
    const versions = s.versions ?? [undefined];
    for (const v of versions) {
      out.push({
        service: s.name,
        namespace: s.namespace,
        version: v?.name ?? '',
        serviceAccount: s.serviceAccount ?? s.name,
        labels: v ? { ...base, version: v.name, ...(v.labels ?? {}) } : base,
        ports: s.ports,
        command: (v?.command ?? s.command) as string[] | string,
        env: { ...(s.env ?? {}), ...(v?.env ?? {}) },
        replicas: v?.replicas ?? s.replicas,
        proxyless: s.proxyless,
      });
    }
  }
  return out;
}

export const meshKind = defineKind({
  kind: 'Mesh',
  group: TRELLIS,
  versions: ['v1alpha1'],
  namespaced: false,
  spec: meshSpec,
  description: "Trellis's local mesh: services, their versions, ports and commands, run by `trellis up`",
});
