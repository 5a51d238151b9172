// Test support: a generated mesh of N services (3 instances each, a DestinationRule with two subsets and a
// 90/10 VirtualService per service) for translation-time measurements.

export function generatedMesh(services: number): string {
  const docs: string[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ns-${i % 5} }
spec: { clusterIP: 10.96.${Math.floor(i / 250)}.${i % 250}, selector: { app: ${name} }, ports: [{ name: http, port: 8080 }, { name: grpc, port: 9090 }] }`);
    for (let k = 0; k < 3; k++) {
      docs.push(`apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}-${k}, namespace: ns-${i % 5} }
spec: { address: 10.${1 + (i % 200)}.${k}.${1 + Math.floor(i / 200)}, labels: { app: ${name}, version: v${1 + (k % 2)} } }`);
    }
    docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ns-${i % 5} }
spec:
  host: ${name}
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 5 } }
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]`);
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ns-${i % 5} }
spec:
  hosts: [${name}]
  http:
  - match: [{ headers: { x-canary: { exact: "1" } } }]
    route: [{ destination: { host: ${name}, subset: v2 } }]
  - retries: { attempts: 3, perTryTimeout: 1s }
    timeout: 5s
    route:
    - { destination: { host: ${name}, subset: v1 }, weight: 90 }
    - { destination: { host: ${name}, subset: v2 }, weight: 10 }`);
  }
  return docs.join('\n---\n');
}
