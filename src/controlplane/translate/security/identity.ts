// Who a client expects on the other end of Istio mTLS: the SPIFFE IDs of the service accounts that run a
// service's instances, plus the identities a ServiceEntry lists (Istio's ServiceAccounts of a service).
import { spiffeUri } from '../../ca/spiffe.js';
import type { Service } from '../../model/service.js';
import type { Snapshot } from '../../model/snapshot.js';

/** Sorted, without duplicates: `spiffe://<trust-domain>/ns/<ns>/sa/<sa>` per instance identity. */
export function serviceIdentities(snapshot: Snapshot, service: Service): string[] {
  const out = new Set<string>();
  const trustDomain = snapshot.mesh.trustDomain;
  for (const port of service.ports) {
    for (const inst of snapshot.instancesOf(service.hostname, port.port)) {
      if (inst.serviceAccount === '') continue;
      out.add(spiffeUri({ trustDomain, namespace: inst.namespace, serviceAccount: inst.serviceAccount }));
    }
  }
  for (const san of service.subjectAltNames ?? []) out.add(san);
  return [...out].sort();
}
