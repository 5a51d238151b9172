// Every resource kind Trellis reads, in one list that validation looks kinds up in.
import type { KindDef } from '../kind.js';
import { analysisTemplateKind, clusterAnalysisTemplateKind } from './analysis-template.js';
import { authorizationPolicyKind } from './authorization-policy.js';
import { destinationRuleKind } from './destination-rule.js';
import { gatewayKind } from './gateway.js';
import { gatewayClassKind, kubeGatewayKind } from './gateway-api.js';
import { tcpRouteKind, tlsRouteKind } from './gateway-api-l4.js';
import { grpcRouteKind, httpRouteKind } from './http-route.js';
import { namespaceKind, serviceKind } from './kube-core.js';
import { meshKind } from './mesh.js';
import { peerAuthenticationKind } from './peer-authentication.js';
import { referenceGrantKind } from './reference-grant.js';
import { requestAuthenticationKind } from './request-authentication.js';
import { rolloutKind } from './rollout.js';
import { secretKind } from './secret.js';
import { serviceEntryKind, workloadEntryKind } from './service-entry.js';
import { sidecarKind } from './sidecar.js';
import { virtualServiceKind } from './virtual-service.js';

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec type; the list holds them all
export const KINDS: readonly KindDef<any>[] = [
  virtualServiceKind,
  destinationRuleKind,
  gatewayKind,
  serviceEntryKind,
  workloadEntryKind,
  sidecarKind,
  peerAuthenticationKind,
  requestAuthenticationKind,
  authorizationPolicyKind,
  gatewayClassKind,
  kubeGatewayKind,
  httpRouteKind,
  grpcRouteKind,
  tlsRouteKind,
  tcpRouteKind,
  referenceGrantKind,
  rolloutKind,
  analysisTemplateKind,
  clusterAnalysisTemplateKind,
  serviceKind,
  namespaceKind,
  secretKind,
  meshKind,
];
