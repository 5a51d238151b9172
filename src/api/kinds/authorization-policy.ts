// AuthorizationPolicy (security.istio.io): who may do what — from (sources), to (operations), when (conditions).
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, enumOf, type Infer, obj, str } from '../schema.js';
import {
  checkTargeting,
  ISTIO_SECURITY,
  ipBlock,
  namespaceValue,
  pathValue,
  portString,
  principalValue,
  SECURITY_VERSIONS,
  targeting,
  wildcardValue,
} from './security-common.js';

const source = () =>
  obj({
    principals: arr(principalValue()),
    notPrincipals: arr(principalValue()),
    requestPrincipals: arr(wildcardValue()),
    notRequestPrincipals: arr(wildcardValue()),
    namespaces: arr(namespaceValue()),
    notNamespaces: arr(namespaceValue()),
    ipBlocks: arr(ipBlock()),
    notIpBlocks: arr(ipBlock()),
    remoteIpBlocks: arr(ipBlock()),
    notRemoteIpBlocks: arr(ipBlock()),
    serviceAccounts: arr(wildcardValue()),
    notServiceAccounts: arr(wildcardValue()),
  });

const operation = () =>
  obj({
    hosts: arr(wildcardValue()),
    notHosts: arr(wildcardValue()),
    ports: arr(portString()),
    notPorts: arr(portString()),
    methods: arr(wildcardValue()),
    notMethods: arr(wildcardValue()),
    paths: arr(pathValue()),
    notPaths: arr(pathValue()),
  });

/** Attributes a `when` condition may test; `[...]` ones take a header or claim name. */
const CONDITION_KEYS = [
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.principal',
  'source.serviceAccount',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
];
const CONDITION_PREFIXES = ['request.headers[', 'request.auth.claims[', 'experimental.envoy.filters.'];

const condition = () =>
  obj(
    {
      key: str()
        .required()
        .check((k, ctx, path) => {
          if (CONDITION_KEYS.includes(k)) return;
          const prefix = CONDITION_PREFIXES.find((p) => k.startsWith(p));
          if (prefix?.endsWith('[') && !/^[^[]+\[[^\]]+\](\[[^\]]+\])*$/.test(k)) {
            ctx.error(path, `"${k}" needs a name in brackets, e.g. ${prefix}name]`, 'condition');
          } else if (!prefix) {
            ctx.error(
              path,
              `unknown condition key "${k}" (use ${CONDITION_KEYS.join(', ')}, request.headers[name] or request.auth.claims[name])`,
              'condition',
            );
          }
        }),
      values: arr(str()),
      notValues: arr(str()),
    },
    {
      check: (c, ctx, path) => {
        if (!c.values?.length && !c.notValues?.length)
          ctx.error(path, 'a condition needs values or notValues', 'condition');
      },
    },
  );

const rule = () =>
  obj({
    from: arr(obj({ source: source().required() })),
    to: arr(obj({ operation: operation().required() })),
    when: arr(condition()),
  });

export const AUTHZ_ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;

export const authorizationPolicySpec = obj(
  {
    ...targeting(),
    rules: arr(rule()),
    /** Istio's default is ALLOW. Evaluation order is CUSTOM, then DENY, then ALLOW. */
    action: enumOf(AUTHZ_ACTIONS).default('ALLOW'),
    /** The extension provider of a CUSTOM policy. */
    provider: obj({ name: str({ nonEmpty: true }).required() }),
  },
  {
    check: (ap, ctx, path) => {
      checkTargeting(ap, ctx, path);
      if (ap.action === 'CUSTOM' && !ap.provider)
        ctx.error(`${path}.provider`, 'action CUSTOM needs a provider', 'required');
      if (ap.action !== 'CUSTOM' && ap.provider)
        ctx.error(
          `${path}.provider`,
          `a provider is only used with action CUSTOM (action is ${ap.action})`,
          'provider',
        );
    },
  },
);

export type AuthorizationPolicySpec = Infer<typeof authorizationPolicySpec>;
export type AuthorizationRule = Infer<ReturnType<typeof rule>>;
export type AuthorizationSource = Infer<ReturnType<typeof source>>;
export type AuthorizationOperation = Infer<ReturnType<typeof operation>>;
export type AuthorizationCondition = Infer<ReturnType<typeof condition>>;
export type AuthorizationPolicyResource = Resource<AuthorizationPolicySpec>;

export const authorizationPolicyKind = defineKind({
  kind: 'AuthorizationPolicy',
  group: ISTIO_SECURITY,
  versions: SECURITY_VERSIONS,
  namespaced: true,
  spec: authorizationPolicySpec,
  description:
    'access control for workloads: ALLOW, DENY, AUDIT or CUSTOM rules on sources, operations, conditions',
});
