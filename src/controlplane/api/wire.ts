// The control plane API's request and response shapes, shared by the handlers and the CLI's client, and the
// kubectl-style names (`virtualservice.networking.istio.io/reviews`) both print.

import type { Finding } from '../../analyze/index.js';
import type { Diagnostic } from '../../api/index.js';
import type { TypeStatus } from '../xds/status.js';

/** The identity of a resource as the API returns it; `kind` is the store's kind key (`group/Kind`). */
export interface ResourceRef {
  kind: string;
  namespace: string;
  name: string;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'rejected';

export interface ApplyResultWire extends ResourceRef {
  action: ApplyAction;
  /** Warnings (accepted) or errors (rejected), formatted as `trellis validate` prints them. */
  messages: string[];
  diagnostics: Diagnostic[];
}

/** POST /apis/apply answer: 200 when every document was accepted, 400 when any was refused. */
export interface ApplyResponse {
  results: ApplyResultWire[];
  /** Problems of the text itself (YAML syntax), formatted. */
  errors: string[];
}

/** A stored resource as the API returns it (no source location). */
export interface ResourceBody {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: unknown;
  /** Computed by the control plane (Gateway API conditions), never stored in the user's files. */
  status?: unknown;
}

export interface ListResponse {
  items: ResourceBody[];
}

export interface DeleteResponse extends ResourceRef {
  deleted: boolean;
}

/** One connected proxy in /debug/syncz: its sync status per xDS type and how to reach its admin API. */
export interface ProxySyncWire {
  proxyId: string;
  /** `<name>.<namespace>`, as istioctl names a pod. */
  name: string;
  namespace: string;
  type: 'sidecar' | 'router';
  /** `grpc` for a proxyless gRPC client (served by Istio's gRPC generator). */
  generator?: 'grpc';
  connectionId: string;
  /** Epoch ms. */
  connectedAt: number;
  /** Which control plane instance holds the stream. */
  controlPlane: string;
  /** The proxy's admin API (from the TRELLIS_ADMIN_PORT node metadata), when announced. */
  admin?: { host: string; port: number };
  types: Record<string, TypeStatus>;
}

export interface AnalyzeResponse {
  findings: Finding[];
}

/** `VirtualService` + `networking.istio.io` → `virtualservice.networking.istio.io`, as kubectl prints kinds. */
export function kubectlKind(kindKey: string): string {
  const slash = kindKey.lastIndexOf('/');
  const kind = slash < 0 ? kindKey : kindKey.slice(slash + 1);
  const group = slash < 0 ? '' : kindKey.slice(0, slash);
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}

/** `virtualservice.networking.istio.io/reviews`. */
export function kubectlName(ref: ResourceRef): string {
  return `${kubectlKind(ref.kind)}/${ref.name}`;
}
