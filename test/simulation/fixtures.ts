// Shared simulation fixtures: BookInfo's reviews with subsets v1/v2 and a 90/10 VirtualService.

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
