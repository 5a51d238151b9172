// The CLI's client of the control plane API: base URL from --controlplane or TRELLIS_CONTROLPLANE, JSON
// calls, and errors that say which control plane could not be reached.
import type { Finding } from '../../analyze/index.js';
import type { PushStatus } from './push-status.js';
import type {
  AnalyzeResponse,
  ApplyResponse,
  DeleteResponse,
  ListResponse,
  ProxySyncWire,
  ResourceRef,
} from './wire.js';

/** Where `trellis controlplane` serves this API by default (Istio's istiod monitoring port). */
export const DEFAULT_CONTROLPLANE = 'http://127.0.0.1:15014';

export function controlPlaneUrl(flag?: string): string {
  return (flag || process.env.TRELLIS_CONTROLPLANE || DEFAULT_CONTROLPLANE).replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

function errorText(body: unknown, fallback: string): string {
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
    return (body as { error: string }).error;
  }
  return fallback;
}

export class ControlPlaneClient {
  constructor(readonly baseUrl: string) {}

  private async call(
    method: string,
    path: string,
    body?: string,
    acceptStatus: (status: number, body: unknown) => boolean = (status) => status < 300,
  ): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        body,
        headers: body === undefined ? {} : { 'content-type': 'application/yaml' },
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `cannot reach the control plane at ${this.baseUrl} (${cause?.code ?? cause?.message ?? String(err)}); ` +
          'is `trellis controlplane` running? (set --controlplane or TRELLIS_CONTROLPLANE)',
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the raw text
      }
    }
    if (!acceptStatus(res.status, parsed)) {
      // A plain-text 404 comes from a server without this API mounted, not from the API itself.
      const fallback =
        res.status === 404 && typeof parsed === 'string'
          ? `${this.baseUrl} does not serve the Trellis control plane API (${method} ${path}: 404 ${parsed.trim()})`
          : `${method} ${path}: HTTP ${res.status}`;
      throw new ApiError(res.status, errorText(parsed, fallback), parsed);
    }
    return { status: res.status, body: parsed };
  }

  /** Applies one file's text; 400 answers (refusals) come back too, with their results. */
  async apply(text: string, file: string, namespace: string): Promise<{ ok: boolean; body: ApplyResponse }> {
    const q = new URLSearchParams({ file, namespace });
    const r = await this.call('POST', `/apis/apply?${q}`, text, (s) => s === 200 || s === 400);
    return { ok: r.status === 200, body: r.body as ApplyResponse };
  }

  async list(query: { kind?: string; namespace?: string; name?: string }): Promise<ListResponse> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
    return (await this.call('GET', `/apis/resources?${q}`)).body as ListResponse;
  }

  /** Deletes one resource; resolves `deleted: false` when there was none. */
  async delete(ref: ResourceRef): Promise<DeleteResponse> {
    const path = [ref.kind, ref.namespace, ref.name].map(encodeURIComponent).join('/');
    // Only the API's own (JSON) 404 means "no such resource"; anything else is an error.
    const r = await this.call(
      'DELETE',
      `/apis/resources/${path}`,
      undefined,
      (s, body) => s < 300 || (s === 404 && typeof body === 'object'),
    );
    return r.status === 404 ? { ...ref, deleted: false } : (r.body as DeleteResponse);
  }

  async syncz(): Promise<ProxySyncWire[]> {
    return (await this.call('GET', '/debug/syncz')).body as ProxySyncWire[];
  }

  /** What the control plane generates for a connected proxy (its /debug/config_dump?proxyID=). */
  async generatedConfig(proxyId: string): Promise<Record<string, unknown>> {
    const q = new URLSearchParams({ proxyID: proxyId });
    return (await this.call('GET', `/debug/config_dump?${q}`)).body as Record<string, unknown>;
  }

  async analyze(): Promise<Finding[]> {
    return ((await this.call('GET', '/debug/analyze')).body as AnalyzeResponse).findings;
  }

  async pushStatus(): Promise<PushStatus> {
    return (await this.call('GET', '/debug/push_status')).body as PushStatus;
  }
}

/** Help text of every CLI command's --controlplane flag. */
export const CONTROLPLANE_FLAG_HELP = `control plane API URL (default: $TRELLIS_CONTROLPLANE or ${DEFAULT_CONTROLPLANE})`;
