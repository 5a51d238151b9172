// VirtualService headers (request/response set, add, remove) → Envoy header edits: `set` overwrites,
// `add` appends, `remove` drops. As in Istio, `host`/`:authority` in request set/add becomes the host
// rewrite (set wins over add) and every other pseudo-header edit is dropped: Envoy refuses to edit them.
import { create } from '@bufbuild/protobuf';
import type { Headers } from '../../../api/index.js';
import {
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
  HeaderValueOptionSchema,
  HeaderValueSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';

export interface HeaderEdits {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

/** Headers Envoy will not edit through header lists: pseudo-headers and `host`. */
function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function isAuthorityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

function option(key: string, value: string, action: HeaderValueOption_HeaderAppendAction): HeaderValueOption {
  return create(HeaderValueOptionSchema, {
    header: create(HeaderValueSchema, { key, value }),
    appendAction: action,
  });
}

/** Header options of one set or add map, internal headers left out; the authority it names, '' if none. */
function ops(
  entries: Record<string, string> | undefined,
  action: HeaderValueOption_HeaderAppendAction,
  out: HeaderValueOption[],
): string {
  let authority = '';
  for (const [k, v] of Object.entries(entries ?? {})) {
    if (!isInternalHeader(k)) out.push(option(k, v, action));
    else if (isAuthorityHeader(k)) authority = v;
  }
  return authority;
}

const dropInternal = (names: string[] | undefined): string[] =>
  (names ?? []).filter((n) => !isInternalHeader(n));

/**
 * Writes the edits of `h` onto any message with Envoy's four header-edit fields. Returns the authority the
 * request edits set (`host` or `:authority`; '' when none): the caller turns it into a host rewrite.
 */
export function applyHeaders(target: HeaderEdits, h: Headers | undefined): string {
  if (!h) return '';
  const { OVERWRITE_IF_EXISTS_OR_ADD: SET, APPEND_IF_EXISTS_OR_ADD: ADD } =
    HeaderValueOption_HeaderAppendAction;
  const setAuthority = ops(h.request?.set, SET, target.requestHeadersToAdd);
  const addAuthority = ops(h.request?.add, ADD, target.requestHeadersToAdd);
  target.requestHeadersToRemove.push(...dropInternal(h.request?.remove));
  ops(h.response?.set, SET, target.responseHeadersToAdd);
  ops(h.response?.add, ADD, target.responseHeadersToAdd);
  target.responseHeadersToRemove.push(...dropInternal(h.response?.remove));
  return setAuthority || addAuthority;
}
