// Shared simulation fixtures: BookInfo-like services (reviews v1/v2/v3, ratings, details) and helpers to
// add config to them.
import { type MeshProxy, proxyFromNode } from '../../src/controlplane/model/proxy.js';

export const BOOKINFO = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec:
  clusterIP: 10.96.0.20
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: v1
kind: Service
metadata: { name: productpage, namespace: default }
spec:
  selector: { app: productpage }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: default }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v2, namespace: default }
spec: { address: 10.0.0.2, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: productpage, namespace: default }
spec: { address: 10.0.0.9, labels: { app: productpage, version: v1 }, serviceAccount: bookinfo-productpage }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 90 }
    - { destination: { host: reviews, subset: v2 }, weight: 10 }
`;

/** Services only (no VirtualService, DestinationRule): reviews v1/v2/v3, ratings, details, in `default`. */
export const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { clusterIP: 10.96.0.20, selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: default }
spec: { selector: { app: ratings }, ports: [{ name: http, port: 9080 }, { name: grpc-api, port: 9090 }] }
---
apiVersion: v1
kind: Service
metadata: { name: details, namespace: default }
spec: { selector: { app: details }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: data }
spec: { selector: { app: db }, ports: [{ name: tcp-sql, port: 5432 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: default }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v2, namespace: default }
spec: { address: 10.0.0.2, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v3, namespace: default }
spec: { address: 10.0.0.3, labels: { app: reviews, version: v3 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ratings-v1, namespace: default }
spec: { address: 10.0.1.1, labels: { app: ratings, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: details-v1, namespace: default }
spec: { address: 10.0.2.1, labels: { app: details, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: db-1, namespace: data }
spec: { address: 10.0.3.1, labels: { app: db } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews.default.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`;

export function sidecar(
  name = 'productpage-v1',
  namespace = 'default',
  labels: Record<string, string> = { app: 'productpage', version: 'v1' },
  ip = '10.0.0.9',
): MeshProxy {
  return proxyFromNode(`sidecar~${ip}~${name}.${namespace}~${namespace}.svc.cluster.local`, {
    LABELS: labels,
    TRELLIS_OUTBOUND_PORT: 15001,
  });
}

export const reviews = (subset: string) => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;
