// The Envoy v3 bootstrap a local sidecar or gateway starts from: who it is (node id and Istio-style metadata),
// where its admin API listens, and the ADS cluster that reaches the control plane — as Istio's agent writes it.

export interface ProxyIdentity {
  /** `sidecar` for a workload's proxy, `router` for a gateway. */
  type: 'sidecar' | 'router';
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  domain: string;
}

export interface BootstrapOptions {
  identity: ProxyIdentity;
  /** Extra node metadata (TRELLIS_* listener addresses, POD_PORTS, …). */
  metadata: Record<string, unknown>;
  adminPort: number;
  xds: { host: string; port: number };
  /** Access log path for the proxy's listeners, when the control plane asks for one. */
  ip?: string;
}

/** Istio's node id: `<type>~<ip>~<name>.<namespace>~<namespace>.svc.<domain>`. */
/** The cluster a local mesh's workloads are in, named as Istio names a cluster by default. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

export function nodeId(identity: ProxyIdentity, ip = '127.0.0.1'): string {
  return `${identity.type}~${ip}~${identity.name}.${identity.namespace}~${identity.namespace}.svc.${identity.domain}`;
}

export function proxyBootstrap(opts: BootstrapOptions): Record<string, unknown> {
  const { identity } = opts;
  const ip = opts.ip ?? '127.0.0.1';
  return {
    node: {
      id: nodeId(identity, ip),
      cluster: `${identity.labels.app ?? identity.name}.${identity.namespace}`,
      metadata: {
        NAMESPACE: identity.namespace,
        WORKLOAD_NAME: identity.name,
        NAME: identity.name,
        LABELS: identity.labels,
        SERVICE_ACCOUNT: identity.serviceAccount,
        INSTANCE_IPS: ip,
        // Istio's default cluster name (metrics' source_cluster / destination_cluster, peer metadata).
        CLUSTER_ID: DEFAULT_CLUSTER_ID,
        // Lets `trellis proxy-config <proxy>` find this proxy's admin API through the control plane.
        TRELLIS_ADMIN_PORT: String(opts.adminPort),
        ...opts.metadata,
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: opts.adminPort } } },
    dynamic_resources: {
      ads_config: {
        api_type: 'DELTA_GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
        set_node_on_first_message_only: true,
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          type: 'STATIC',
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: 'xds-grpc',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: opts.xds.host, port_value: opts.xds.port } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  };
}
