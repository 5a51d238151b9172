// Turns a connecting proxy's node (id, metadata, locality) into the LocalRegistration of its workload.
import { type FieldError, fail, ok, type Result } from '../common/result.js';

/**
 * A workload a proxy announces for itself when it connects to the control plane. In local mode this is how
 * workloads join the registry (Kubernetes has pods, here the sidecar says who it is).
 */
export interface LocalRegistration {
  /** The proxy's node id; one registration per proxy. */
  proxyId: string;
  /** Workload name (`reviews-v1`); one workload may run several proxies (replicas). */
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  /** The workload's addresses; the first is the one endpoints use. At least one. */
  addresses: string[];
  /** Named ports the workload listens on (`http` → 9080). */
  ports: Record<string, number>;
  /** `region/zone/subzone`, '' when unknown. */
  locality: string;
  network?: string;
}

/** The node fields read, as they arrive from the xDS Node message (metadata is a JSON Struct). */
export interface NodeInfo {
  id: string;
  metadata?: Record<string, unknown>;
  locality?: { region?: string; zone?: string; subZone?: string };
}

/**
 * Node metadata keys read (Istio's names, so an Istio-configured proxy registers unchanged):
 * - `NAMESPACE`: string, default `default`
 * - `WORKLOAD_NAME`: string, default the `app` label, else the node id
 * - `LABELS`: object of strings, or that object as a JSON string; default {}
 * - `SERVICE_ACCOUNT`: string, default `default`
 * - `INSTANCE_IPS`: comma-separated string or list of IPs, default `127.0.0.1` (local mode)
 * - `POD_PORTS`: list of `{name, containerPort, protocol?}` (or that list as a JSON string); unnamed ports skipped
 * - `NETWORK`: string, optional
 * The locality comes from the node's own `locality` (region, zone, subZone), not from metadata.
 */
export const NODE_METADATA_KEYS = [
  'NAMESPACE',
  'WORKLOAD_NAME',
  'LABELS',
  'SERVICE_ACCOUNT',
  'INSTANCE_IPS',
  'POD_PORTS',
  'NETWORK',
] as const;

function jsonOrValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return v;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return v;
  }
}

function optionalString(
  meta: Record<string, unknown>,
  key: string,
  errors: FieldError[],
): string | undefined {
  const v = meta[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  errors.push({ path: `metadata.${key}`, message: `expected a string, got ${typeof v}` });
  return undefined;
}

export function registrationFromNode(node: NodeInfo): Result<LocalRegistration> {
  const meta = node.metadata ?? {};
  const errors: FieldError[] = [];
  if (!node.id) errors.push({ path: 'id', message: 'the node id is required' });

  const labels: Record<string, string> = {};
  const rawLabels = jsonOrValue(meta.LABELS);
  if (rawLabels !== undefined && rawLabels !== null) {
    if (typeof rawLabels !== 'object' || Array.isArray(rawLabels)) {
      errors.push({ path: 'metadata.LABELS', message: 'expected an object of string labels' });
    } else {
      for (const [k, v] of Object.entries(rawLabels)) {
        if (typeof v === 'string') labels[k] = v;
        else errors.push({ path: `metadata.LABELS.${k}`, message: 'label values must be strings' });
      }
    }
  }

  let addresses = ['127.0.0.1'];
  const ips = meta.INSTANCE_IPS;
  if (typeof ips === 'string' && ips.trim() !== '')
    addresses = ips
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  else if (Array.isArray(ips) && ips.every((s) => typeof s === 'string') && ips.length > 0) addresses = ips;
  else if (ips !== undefined && ips !== '')
    errors.push({ path: 'metadata.INSTANCE_IPS', message: 'expected a comma-separated string of IPs' });

  const ports: Record<string, number> = {};
  const rawPorts = jsonOrValue(meta.POD_PORTS);
  if (rawPorts !== undefined && rawPorts !== null && rawPorts !== '') {
    if (!Array.isArray(rawPorts)) {
      errors.push({ path: 'metadata.POD_PORTS', message: 'expected a list of {name, containerPort}' });
    } else {
      rawPorts.forEach((p: unknown, i) => {
        const entry = p as { name?: unknown; containerPort?: unknown };
        const port = Number(entry?.containerPort);
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          errors.push({ path: `metadata.POD_PORTS[${i}].containerPort`, message: 'expected a port 1-65535' });
        } else if (typeof entry.name === 'string' && entry.name !== '') ports[entry.name] = port;
      });
    }
  }

  const namespace = optionalString(meta, 'NAMESPACE', errors) ?? 'default';
  const name = optionalString(meta, 'WORKLOAD_NAME', errors) ?? labels.app ?? node.id;
  const serviceAccount = optionalString(meta, 'SERVICE_ACCOUNT', errors) ?? 'default';
  const network = optionalString(meta, 'NETWORK', errors);
  const l = node.locality;
  const locality =
    l && (l.region || l.zone || l.subZone) ? [l.region ?? '', l.zone ?? '', l.subZone ?? ''].join('/') : '';
  if (errors.length > 0) return fail(errors);
  return ok({
    proxyId: node.id,
    name,
    namespace,
    labels,
    serviceAccount,
    addresses,
    ports,
    locality: locality.replace(/\/+$/, ''),
    ...(network ? { network } : {}),
  });
}
