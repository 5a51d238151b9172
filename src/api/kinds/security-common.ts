// Pieces shared by the security.istio.io kinds: versions, workload targeting, wildcard values of authz rules.
import { isIP } from 'node:net';
import { istioSelector, policyTargetRef } from '../common.js';
import { arr, type Ctx, str } from '../schema.js';

export const ISTIO_SECURITY = 'security.istio.io';
export const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;

/** Fields a policy uses to pick its workloads: a selector, or Gateway API target references. */
export const targeting = () => ({
  selector: istioSelector(),
  targetRef: policyTargetRef(),
  targetRefs: arr(policyTargetRef()),
});

/**
 * Why an authz match value is invalid: Istio matches exact values, and a single `*` may stand for a prefix
 * (`*-admin`), a suffix (`/api/*`) or everything (`*`) — never in the middle.
 */
export function wildcardError(v: string): string | undefined {
  if (v === '') return 'must not be empty';
  if (v === '*') return undefined;
  const stars = v.split('*').length - 1;
  if (stars > 1 || (stars === 1 && !v.startsWith('*') && !v.endsWith('*'))) {
    return `"${v}": a "*" may only be the whole value, a prefix or a suffix`;
  }
  return undefined;
}

export const wildcardValue = () =>
  str().check((v, ctx, path) => {
    const e = wildcardError(v);
    if (e) ctx.error(path, e, 'wildcard');
  });

/** Paths also accept Istio's templates `{*}` (one segment) and `{**}` (the rest). */
export const pathValue = () =>
  str().check((v, ctx, path) => {
    if (v.includes('{')) {
      if (!v.startsWith('/')) ctx.error(path, `path template "${v}" must start with "/"`, 'path');
      const bad = v.split('/').find((seg) => seg.includes('{') && seg !== '{*}' && seg !== '{**}');
      if (bad !== undefined)
        ctx.error(path, `invalid path template segment "${bad}" (use {*} or {**})`, 'path');
      return;
    }
    const e = wildcardError(v);
    if (e) ctx.error(path, e, 'wildcard');
  });

export const principalValue = () =>
  str().check((v, ctx, path) => {
    if (v.startsWith('spiffe://')) {
      ctx.error(
        path,
        `write principals without "spiffe://" (e.g. "${v.slice('spiffe://'.length)}")`,
        'principal',
      );
      return;
    }
    const e = wildcardError(v);
    if (e) ctx.error(path, e, 'wildcard');
  });

export const namespaceValue = () =>
  str().check((v, ctx, path) => {
    const e = wildcardError(v);
    if (e) ctx.error(path, e, 'wildcard');
    else if (!/^\*?[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$|^\*$/.test(v)) {
      ctx.error(path, `invalid namespace "${v}" (lowercase letters, digits and "-")`, 'namespace');
    }
  });

export function ipBlockError(v: string): string | undefined {
  const [addr, bits, ...rest] = v.split('/');
  const family = isIP(addr);
  if (family === 0 || rest.length > 0) return `invalid IP address or CIDR "${v}"`;
  if (bits !== undefined) {
    const n = Number(bits);
    const max = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(bits) || n > max) return `invalid prefix length in "${v}" (0-${max})`;
  }
  return undefined;
}

export const ipBlock = () =>
  str().check((v, ctx, path) => {
    const e = ipBlockError(v);
    if (e) ctx.error(path, e, 'ip');
  });

export const portString = () =>
  str().check((v, ctx, path) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535) ctx.error(path, `invalid port "${v}" (1-65535)`, 'port');
  });

export function checkTargeting(
  p: { selector?: unknown; targetRef?: unknown; targetRefs?: unknown[] },
  ctx: Ctx,
  path: string,
): void {
  const set = [
    p.selector && 'selector',
    p.targetRef && 'targetRef',
    p.targetRefs?.length && 'targetRefs',
  ].filter(Boolean);
  if (set.length > 1)
    ctx.error(
      path,
      `only one of selector, targetRef, targetRefs may be set (got ${set.join(' and ')})`,
      'oneof',
    );
}
