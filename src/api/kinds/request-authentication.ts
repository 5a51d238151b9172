// RequestAuthentication (security.istio.io): the JWTs a workload accepts (issuer, keys, where the token is).
import { headerName } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, bool, duration, type Infer, obj, str } from '../schema.js';
import { checkTargeting, ISTIO_SECURITY, SECURITY_VERSIONS, targeting } from './security-common.js';

const url = () =>
  str().check((v, ctx, path) => {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
      ctx.error(path, `"${v}" is not an http(s) URL`, 'url');
    }
  });

export const jwtRule = () =>
  obj(
    {
      issuer: str({ nonEmpty: true }).required(),
      audiences: arr(str({ nonEmpty: true })),
      jwksUri: url(),
      /** An inline JSON Web Key Set (JSON text); takes precedence over jwksUri. */
      jwks: str().check((v, ctx, path) => {
        let keys: unknown;
        try {
          keys = (JSON.parse(v) as { keys?: unknown }).keys;
        } catch {
          keys = undefined;
        }
        if (!Array.isArray(keys)) ctx.error(path, 'jwks must be a JSON Web Key Set: {"keys": [...]}', 'jwks');
      }),
      /** Where to look for the token; Istio's default is `Authorization: Bearer <token>` and `?access_token=`. */
      fromHeaders: arr(obj({ name: str().required().check(headerName), prefix: str() })),
      fromParams: arr(str({ nonEmpty: true })),
      fromCookies: arr(str({ nonEmpty: true })),
      outputPayloadToHeader: str().check(headerName),
      forwardOriginalToken: bool().default(false),
      outputClaimToHeaders: arr(
        obj({ header: str().required().check(headerName), claim: str({ nonEmpty: true }).required() }),
      ),
      timeout: duration({ minMs: 1 }),
    },
    {
      check: (r, ctx, path) => {
        if (r.jwks && r.jwksUri)
          ctx.warn(`${path}.jwksUri`, 'jwks is set too and takes precedence; jwksUri is not used', 'jwks');
      },
    },
  );

export const requestAuthenticationSpec = obj(
  {
    ...targeting(),
    jwtRules: arr(jwtRule()).check((rules, ctx, path) => {
      const seen = new Map<string, number>();
      rules.forEach((r, i) => {
        const prev = seen.get(r.issuer);
        if (prev !== undefined)
          ctx.error(
            `${path}[${i}].issuer`,
            `issuer "${r.issuer}" is already configured at jwtRules[${prev}]`,
            'duplicate-issuer',
          );
        else seen.set(r.issuer, i);
      });
    }),
  },
  { check: checkTargeting },
);

export type RequestAuthenticationSpec = Infer<typeof requestAuthenticationSpec>;
export type JWTRule = Infer<ReturnType<typeof jwtRule>>;
export type RequestAuthenticationResource = Resource<RequestAuthenticationSpec>;

export const requestAuthenticationKind = defineKind({
  kind: 'RequestAuthentication',
  group: ISTIO_SECURITY,
  versions: SECURITY_VERSIONS,
  namespaced: true,
  spec: requestAuthenticationSpec,
  description: 'end-user authentication: which JWT issuers and keys a workload accepts',
});
