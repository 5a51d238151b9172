// VirtualService headers (request/response set, add, remove) → Envoy header edits: `set` overwrites,
// `add` appends, `remove` drops.
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

function option(key: string, value: string, action: HeaderValueOption_HeaderAppendAction): HeaderValueOption {
  return create(HeaderValueOptionSchema, {
    header: create(HeaderValueSchema, { key, value }),
    appendAction: action,
  });
}

function ops(
  o: { set?: Record<string, string>; add?: Record<string, string> } | undefined,
): HeaderValueOption[] {
  const out: HeaderValueOption[] = [];
  for (const [k, v] of Object.entries(o?.set ?? {})) {
    out.push(option(k, v, HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
  }
  for (const [k, v] of Object.entries(o?.add ?? {})) {
    out.push(option(k, v, HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
  }
  return out;
}

/** Writes the edits of `h` onto any message with Envoy's four header-edit fields. */
export function applyHeaders(target: HeaderEdits, h: Headers | undefined): void {
  if (!h) return;
  target.requestHeadersToAdd.push(...ops(h.request));
  target.requestHeadersToRemove.push(...(h.request?.remove ?? []));
  target.responseHeadersToAdd.push(...ops(h.response));
  target.responseHeadersToRemove.push(...(h.response?.remove ?? []));
}
