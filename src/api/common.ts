// Schemas shared by several kinds: metadata, label maps and selectors, string matches, percentages, hosts.
import { type HostRules, hostError } from './host.js';
import { labelKeyError, labelValueError, requirementError } from './labels.js';
import { joinPath } from './path.js';
import { anything, arr, type Ctx, enumOf, map, num, obj, regex, str } from './schema.js';

export const labelMap = () =>
  map(str(), {
    key: (k, ctx, path) => {
      const e = labelKeyError(k);
      if (e) ctx.error(path, e, 'label');
    },
  }).check((labels, ctx, path) => {
    for (const [k, v] of Object.entries(labels)) {
      const e = labelValueError(v);
      if (e) ctx.error(joinPath(path, k), e, 'label');
    }
  });

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (DNS-1123 subdomain: lowercase letters, digits, '-', '.'; ≤ 253). */
export const objectName = () =>
  str().check((v, ctx, path) => {
    if (v.length > 253 || !DNS_SUBDOMAIN.test(v)) {
      ctx.error(
        path,
        `invalid name "${v}": use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
        'name',
      );
    }
  });

/** A DNS-1123 label (namespaces, port names): lowercase letters, digits, '-'; ≤ 63. */
export const dnsLabel = () =>
  str().check((v, ctx, path) => {
    if (v.length > 63 || !DNS_LABEL.test(v)) {
      ctx.error(
        path,
        `invalid name "${v}": at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`,
        'name',
      );
    }
  });

export const metadataSchema = obj({
  name: objectName().required(),
  namespace: dnsLabel(),
  labels: labelMap(),
  annotations: map(str()),
  generateName: str(),
  uid: str(),
  resourceVersion: str(),
  generation: num(),
  creationTimestamp: anything(),
  deletionTimestamp: anything(),
  deletionGracePeriodSeconds: num(),
  ownerReferences: anything(),
  finalizers: arr(str()),
  managedFields: anything(),
  selfLink: str(),
});

/** A Kubernetes LabelSelector (matchLabels, matchExpressions). */
export const labelSelector = () =>
  obj({
    matchLabels: labelMap(),
    matchExpressions: arr(
      obj({
        key: str({ nonEmpty: true }).required(),
        operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist']).required(),
        values: arr(str()),
      }).check((r, ctx, path) => {
        const e = requirementError(r);
        if (e) ctx.error(path, e, 'selector');
      }),
    ),
  });

/** Istio's WorkloadSelector: `{ matchLabels }` in security kinds, `{ labels }` in networking kinds. */
export const istioSelector = () => obj({ matchLabels: labelMap() });
export const workloadSelector = () => obj({ labels: labelMap() });

/** Istio's StringMatch: exactly one of exact, prefix, regex (RE2). */
export const stringMatch = () =>
  obj({ exact: str(), prefix: str(), regex: regex() }, { exactlyOne: [['exact', 'prefix', 'regex']] });

/** Istio's Percent: a double between 0 and 100. */
export const percent = () => obj({ value: num({ min: 0, max: 100 }) });

/** A host as Istio's `hosts` fields take it. */
export function host(rules: HostRules = {}) {
  return str().check((v, ctx, path) => {
    const e = hostError(v, rules);
    if (e) ctx.error(path, e, 'host');
  });
}

/** Istio's `exportTo`: namespace names, `.` (own namespace) or `*` (all). */
export const exportTo = () =>
  arr(
    str().check((v, ctx, path) => {
      if (v !== '.' && v !== '*' && v !== '~' && !DNS_LABEL.test(v)) {
        ctx.error(path, `exportTo entries are namespace names, "." or "*" (got "${v}")`, 'export-to');
      }
    }),
  );

/** Istio's PortSelector: `{ number }`. */
export const portSelector = () => obj({ number: num({ min: 1, max: 65535 }).check(integer) });

export function integer(v: number, ctx: Ctx, path: string): void {
  if (!Number.isInteger(v)) ctx.error(path, `expected an integer, got ${v}`, 'type');
}

/** A policy targetRef (Gateway API PolicyTargetReference). */
export const policyTargetRef = () =>
  obj({
    group: str(),
    kind: str({ nonEmpty: true }).required(),
    name: str({ nonEmpty: true }).required(),
    namespace: str(),
  });

/** HTTP header names: RFC 7230 tokens. */
export function headerName(v: string, ctx: Ctx, path: string): void {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v)) ctx.error(path, `invalid HTTP header name "${v}"`, 'header');
}

/** Control characters other than tab (U+0000–U+0008, U+000A–U+001F, U+007F): Istio refuses them in header values. */
const HEADER_VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Istio's header-value rule for edited headers; the value is shown JSON-escaped so CR/LF stay visible. */
export function headerValue(value: string, ctx: Ctx, path: string): void {
  if (HEADER_VALUE_CONTROL.test(value))
    ctx.error(
      path,
      `invalid header value ${JSON.stringify(value)}: must not contain control characters`,
      'header',
    );
}
