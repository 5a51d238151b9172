// Gateway API ReferenceGrant (gateway.networking.k8s.io v1beta1): which kinds in other namespaces may refer
// to objects (Services, Secrets) in this one — cross-namespace backendRefs and certificateRefs need one.
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, type Infer, obj, str } from '../schema.js';
import { GATEWAY_API } from './gateway-api-common.js';

export const referenceGrantSpec = obj({
  /** Who may refer: a kind of a group, in a namespace. */
  from: arr(
    obj({
      group: str().required(),
      kind: str({ nonEmpty: true }).required(),
      namespace: str({ nonEmpty: true }).required(),
    }),
    { minItems: 1 },
  ).required(),
  /** What may be referred to in this namespace: a kind of a group, one name or (no name) all of them. */
  to: arr(obj({ group: str().required(), kind: str({ nonEmpty: true }).required(), name: str() }), {
    minItems: 1,
  }).required(),
});

export type ReferenceGrantSpec = Infer<typeof referenceGrantSpec>;
export type ReferenceGrantResource = Resource<ReferenceGrantSpec>;

export const referenceGrantKind = defineKind({
  kind: 'ReferenceGrant',
  group: GATEWAY_API,
  versions: ['v1beta1', 'v1alpha2'],
  namespaced: true,
  spec: referenceGrantSpec,
  description:
    'allows references from other namespaces (routes to Services, Gateways to Secrets) into this one',
});
