// VirtualService retries → Envoy RetryPolicy. No `retries` gets Istio's default (2 retries on
// connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with 503); attempts 0
// disables retries; a bare status code in retryOn becomes a retriable status code.
import { create } from '@bufbuild/protobuf';
import type { HTTPRetry } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import {
  type RetryPolicy,
  RetryPolicy_RetryBackOffSchema,
  RetryPolicy_RetryHostPredicateSchema,
  RetryPolicySchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { PreviousHostsPredicateSchema } from '../../../generated/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js';
import { durationOf, pack } from '../pb.js';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRIABLE_CODES = [503];
/** Istio tries this many hosts before settling on a previously tried one. */
export const HOST_SELECTION_ATTEMPTS = 5n;

let previousHostsPredicate: ReturnType<typeof createPreviousHosts> | undefined;

function previousHosts() {
  previousHostsPredicate ??= createPreviousHosts();
  return previousHostsPredicate;
}

function createPreviousHosts() {
  return create(RetryPolicy_RetryHostPredicateSchema, {
    name: 'envoy.retry_host_predicates.previous_hosts',
    configType: {
      case: 'typedConfig',
      value: pack(PreviousHostsPredicateSchema, create(PreviousHostsPredicateSchema, {})),
    },
  });
}

export function defaultRetryPolicy(): RetryPolicy {
  return create(RetryPolicySchema, {
    retryOn: DEFAULT_RETRY_ON,
    numRetries: DEFAULT_RETRIES,
    retriableStatusCodes: [...DEFAULT_RETRIABLE_CODES],
    retryHostPredicate: [previousHosts()],
    hostSelectionRetryMaxAttempts: HOST_SELECTION_ATTEMPTS,
  });
}

/** Splits retryOn into Envoy conditions and status codes; codes imply `retriable-status-codes`. */
export function parseRetryOn(retryOn: string): { retryOn: string; codes: number[] } {
  const conditions: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    if (/^\d{3}$/.test(part)) codes.push(Number(part));
    else conditions.push(part);
  }
  if (codes.length > 0 && !conditions.includes('retriable-status-codes'))
    conditions.push('retriable-status-codes');
  return { retryOn: conditions.join(','), codes };
}

/** One shared instance for routes without `retries` (messages are never mutated once built). */
let sharedDefault: RetryPolicy | undefined;

export function retryPolicy(retries: HTTPRetry | undefined): RetryPolicy | undefined {
  if (retries === undefined) {
    sharedDefault ??= defaultRetryPolicy();
    return sharedDefault;
  }
  if (!retries.attempts || retries.attempts <= 0) return undefined;
  const out = defaultRetryPolicy();
  out.numRetries = retries.attempts;
  if (retries.retryOn) {
    const parsed = parseRetryOn(retries.retryOn);
    out.retryOn = parsed.retryOn;
    out.retriableStatusCodes = parsed.codes;
  }
  if (retries.perTryTimeout) out.perTryTimeout = durationOf(durationMs(retries.perTryTimeout));
  if (retries.retryIgnorePreviousHosts === false) {
    out.retryHostPredicate = [];
    out.hostSelectionRetryMaxAttempts = 0n;
  }
  if (retries.backoff) {
    out.retryBackOff = create(RetryPolicy_RetryBackOffSchema, {
      baseInterval: durationOf(durationMs(retries.backoff)),
    });
  }
  return out;
}
