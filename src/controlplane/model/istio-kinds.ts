// Spec shapes of the kinds the snapshot reads that src/api does not type yet (Gateway, Sidecar), with Istio's
// field names; replaced by src/api's types once they land (the shapes are meant to stay compatible).

export interface GatewayServer {
  port: { number: number; name?: string; protocol?: string; targetPort?: number };
  hosts: string[];
  bind?: string;
  name?: string;
  tls?: { httpsRedirect?: boolean; mode?: string; credentialName?: string };
}

export interface GatewaySpecView {
  selector?: Record<string, string>;
  servers: GatewayServer[];
}

export interface SidecarEgress {
  port?: { number: number; name?: string; protocol?: string };
  bind?: string;
  captureMode?: string;
  /** `namespace/host`: `*` or `.` namespace, `*` or a (wildcard) host. */
  hosts: string[];
}

export interface SidecarSpecView {
  workloadSelector?: { labels?: Record<string, string> };
  ingress?: unknown[];
  egress?: SidecarEgress[];
  outboundTrafficPolicy?: { mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
}
