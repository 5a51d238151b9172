// Adapts what the ADS client holds (AdsStatus) to the admin API's config_dump sections: each dynamic
// resource with its version, time, warming state and the last NACK that concerned it.
import type { ConfigDumpSection, DynamicResourceDump, JsonObject, ResourceKind } from '../admin/source.js';
import type { AdsStatus } from './ads-client.js';
import type { XdsType, XdsTypeStatus } from './ads-state.js';

const KIND_OF: Record<XdsType, ResourceKind> = {
  cluster: 'clusters',
  endpoint: 'endpoints',
  listener: 'listeners',
  route: 'routes',
  secret: 'secrets',
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The dynamic entries of one type; a rejected update shows on its resource (or alone, if it never loaded). */
export function dynamicResourceDumps(status: XdsTypeStatus): DynamicResourceDump[] {
  const out = new Map<string, DynamicResourceDump>();
  for (const r of status.resources) {
    const dump: DynamicResourceDump = {
      name: r.name,
      versionInfo: r.versionInfo,
      lastUpdated: r.lastUpdatedMs,
      state: r.state,
    };
    if (isObject(r.resource)) dump.resource = r.resource;
    out.set(r.name, dump);
  }
  const nack = status.lastNack;
  if (nack !== undefined) {
    for (const failed of nack.errors) {
      const entry = out.get(failed.resource);
      const error: NonNullable<DynamicResourceDump['error']> = {
        details: failed.errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('\n'),
        lastUpdateAttempt: nack.atMs,
        versionInfo: nack.versionInfo,
      };
      if (isObject(failed.failedConfiguration)) error.failedConfiguration = failed.failedConfiguration;
      if (entry) entry.error = error;
      else out.set(failed.resource, { name: failed.resource, versionInfo: '', error });
    }
  }
  return [...out.values()];
}

/** The xDS sections of config_dump (static parts left empty: the bootstrap's are added by the caller). */
export function adsConfigDumpSections(status: AdsStatus): ConfigDumpSection[] {
  return (Object.keys(KIND_OF) as XdsType[]).map((t) => ({
    kind: KIND_OF[t],
    versionInfo: status.types[t].versionInfo,
    static: [],
    dynamic: dynamicResourceDumps(status.types[t]),
  }));
}
