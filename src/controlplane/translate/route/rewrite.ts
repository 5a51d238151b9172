// VirtualService rewrite (uri, uriRegexRewrite, authority), redirect and directResponse → Envoy actions.
import { create } from '@bufbuild/protobuf';
import type { HTTPRedirect, HTTPRewrite, HTTPRoute } from '../../../api/index.js';
import { DataSourceSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type DirectResponseAction,
  DirectResponseActionSchema,
  type RedirectAction,
  RedirectAction_RedirectResponseCode,
  RedirectActionSchema,
  type RouteAction,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import {
  RegexMatchAndSubstituteSchema,
  RegexMatcherSchema,
} from '../../../generated/envoy/type/matcher/v3/regex_pb.js';

export function applyRewrite(action: RouteAction, rw: HTTPRewrite | undefined): void {
  if (!rw) return;
  if (rw.uri !== undefined) action.prefixRewrite = rw.uri;
  if (rw.uriRegexRewrite) {
    action.regexRewrite = create(RegexMatchAndSubstituteSchema, {
      pattern: create(RegexMatcherSchema, { regex: rw.uriRegexRewrite.match }),
      substitution: rw.uriRegexRewrite.rewrite,
    });
  }
  if (rw.authority) action.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: rw.authority };
}

const CODES: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

export function redirectAction(r: HTTPRedirect): RedirectAction {
  const out = create(RedirectActionSchema, {
    hostRedirect: r.authority ?? '',
    portRedirect: r.port ?? 0,
    responseCode: CODES[r.redirectCode ?? 301] ?? RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  });
  if (r.uri !== undefined) out.pathRewriteSpecifier = { case: 'pathRedirect', value: r.uri };
  if (r.scheme) out.schemeRewriteSpecifier = { case: 'schemeRedirect', value: r.scheme };
  return out;
}

export function directResponse(d: NonNullable<HTTPRoute['directResponse']>): DirectResponseAction {
  const out = create(DirectResponseActionSchema, { status: d.status });
  if (d.body?.string !== undefined) {
    out.body = create(DataSourceSchema, { specifier: { case: 'inlineString', value: d.body.string } });
  } else if (d.body?.bytes !== undefined) {
    out.body = create(DataSourceSchema, {
      specifier: { case: 'inlineBytes', value: Buffer.from(d.body.bytes, 'base64') },
    });
  }
  return out;
}
