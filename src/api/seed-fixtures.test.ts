// Every YAML example of the article (test/fixtures/seed) loads and validates with zero errors, typed as written.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fixturesDir } from './fixtures.test-util.js';
import {
  type AnalysisTemplateSpec,
  type AuthorizationPolicySpec,
  type DestinationRuleSpec,
  formatDiagnostic,
  type HTTPRouteSpec,
  lineOf,
  loadAndValidate,
  type PeerAuthenticationSpec,
  portProtocol,
  type RequestAuthenticationSpec,
  type Resource,
  type RolloutSpec,
  type ServiceSpec,
  type SidecarSpec,
  type VirtualServiceSpec,
} from './index.js';

function byName(resources: Resource[], kind: string, name: string): Resource {
  const r = resources.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(r, `${kind} ${name} not loaded`);
  return r;
}

test('the 11 article documents validate with zero errors and the Rollout warnings only', async () => {
  const dir = fixturesDir('seed');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.yaml')).length, 11);
  const { resources, diagnostics } = await loadAndValidate([dir]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map(formatDiagnostic), []);
  assert.equal(resources.length, 11);
  const warnings = diagnostics.map((d) =>
    formatDiagnostic({ ...d, file: d.file.replace(/^.*\/seed\//, '') }),
  );
  assert.deepEqual(warnings, [
    'payment-rollout.yaml:43: warning: Rollout default/payment-rollout: spec.strategy.canary.analysis.successfulRunHistoryLimit: Argo Rollouts ignores successfulRunHistoryLimit here: it belongs at spec.analysis.successfulRunHistoryLimit',
    'payment-rollout.yaml:44: warning: Rollout default/payment-rollout: spec.strategy.canary.analysis.unsuccessfulRunHistoryLimit: Argo Rollouts ignores unsuccessfulRunHistoryLimit here: it belongs at spec.analysis.unsuccessfulRunHistoryLimit',
  ]);

  const vs = byName(resources, 'VirtualService', 'payment-vs');
  const vsSpec = vs.spec as VirtualServiceSpec;
  assert.equal(vs.metadata.namespace, 'production');
  assert.deepEqual(vsSpec.gateways, ['payment-gateway', 'mesh']);
  assert.equal(vsSpec.http?.[0].match?.[0].headers?.['x-canary'].exact, 'true');
  assert.equal(vsSpec.http?.[2].fault?.delay?.fixedDelay, '5s');
  assert.equal(vsSpec.http?.[2].fault?.abort?.httpStatus, 500);
  assert.equal(lineOf(vs, 'spec.http[0].retries.retryOn'), 32);

  const mirror = byName(resources, 'VirtualService', 'payment-mirror');
  assert.equal(mirror.metadata.namespace, 'default');
  assert.equal((mirror.spec as VirtualServiceSpec).http?.[0].mirror?.subset, 'canary');

  const dr = byName(resources, 'DestinationRule', 'payment-dr').spec as DestinationRuleSpec;
  assert.equal(dr.trafficPolicy?.outlierDetection?.consecutive5xxErrors, 5);
  assert.deepEqual(
    dr.subsets?.map((s) => [
      s.name,
      s.labels?.version,
      s.trafficPolicy?.connectionPool?.http?.http2MaxRequests,
    ]),
    [
      ['stable', 'v1', 500],
      ['canary', 'v2', 100],
    ],
  );

  assert.equal(
    (byName(resources, 'PeerAuthentication', 'default').spec as PeerAuthenticationSpec).mtls?.mode,
    'STRICT',
  );
  const authz = byName(resources, 'AuthorizationPolicy', 'payment-authz').spec as AuthorizationPolicySpec;
  assert.equal(authz.action, 'ALLOW'); // Istio's default
  assert.equal(authz.rules?.length, 4);
  assert.deepEqual(authz.rules?.[3].from?.[0].source.requestPrincipals, ['https://auth.astratech.ae/*']);
  const jwt = byName(resources, 'RequestAuthentication', 'payment-jwt').spec as RequestAuthenticationSpec;
  assert.equal(jwt.jwtRules?.[0].forwardOriginalToken, true);

  const route = byName(resources, 'HTTPRoute', 'payment-route').spec as HTTPRouteSpec;
  assert.deepEqual(
    route.rules?.[0].backendRefs?.map((b) => [b.name, b.kind, b.port, b.weight]),
    [
      ['payment-svc-v1', 'Service', 80, 90],
      ['payment-svc-v2', 'Service', 80, 10],
    ],
  );
  const sidecar = byName(resources, 'Sidecar', 'payment-sidecar').spec as SidecarSpec;
  assert.equal(sidecar.egress?.[0].hosts.length, 3);

  const svc = byName(resources, 'Service', 'payment-svc').spec as ServiceSpec;
  assert.deepEqual(
    svc.ports?.map((p) => [p.name, portProtocol(p)]),
    [
      ['http-web', 'HTTP'],
      ['grpc-api', 'GRPC'],
      ['tcp-custom', 'TCP'],
    ],
  );

  const rollout = byName(resources, 'Rollout', 'payment-rollout').spec as RolloutSpec;
  assert.equal(rollout.replicas, 5);
  const steps = rollout.strategy.canary?.steps ?? [];
  assert.deepEqual(
    steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight),
    [5, 20, 50, 80],
  );
  assert.equal(steps[1].pause?.duration, '5m');
  assert.equal(steps[8].analysis?.templates[0].templateName, 'success-rate');
  assert.deepEqual(rollout.strategy.canary?.trafficRouting?.istio?.virtualServices?.[0].routes, ['primary']);

  const at = byName(resources, 'AnalysisTemplate', 'success-rate').spec as AnalysisTemplateSpec;
  assert.equal(at.metrics[0].successCondition, 'result[0] >= 0.99');
  assert.match(at.metrics[0].provider.prometheus?.query ?? '', /istio_requests_total/);
});
