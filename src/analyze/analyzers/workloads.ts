// IST0127 NoMatchingWorkloadsFound: a policy or Sidecar whose selector picks no declared workload.
import type { Resource } from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

/** Where each kind keeps the labels that select its workloads. */
const SELECTORS: Record<string, { path: string; labels: (spec: Record<string, unknown>) => unknown }> = {
  AuthorizationPolicy: {
    path: 'spec.selector.matchLabels',
    labels: (s) => (s.selector as { matchLabels?: unknown })?.matchLabels,
  },
  RequestAuthentication: {
    path: 'spec.selector.matchLabels',
    labels: (s) => (s.selector as { matchLabels?: unknown })?.matchLabels,
  },
  PeerAuthentication: {
    path: 'spec.selector.matchLabels',
    labels: (s) => (s.selector as { matchLabels?: unknown })?.matchLabels,
  },
  Sidecar: {
    path: 'spec.workloadSelector.labels',
    labels: (s) => (s.workloadSelector as { labels?: unknown })?.labels,
  },
};

export function noMatchingWorkloads(ctx: AnalysisContext): Finding[] {
  if (!ctx.knowsWorkloads) return [];
  const out: Finding[] = [];
  for (const [kind, sel] of Object.entries(SELECTORS)) {
    for (const r of ctx.of(kind) as Resource<Record<string, unknown>>[]) {
      const labels = sel.labels(r.spec) as Record<string, string> | undefined;
      if (!labels || Object.keys(labels).length === 0) continue;
      if (ctx.workloadsMatching(r.metadata.namespace, labels).length > 0) continue;
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.push(
        finding(
          'IST0127',
          r,
          sel.path,
          `No matching workloads for this resource with the following labels: ${text}`,
          `check the labels against the workloads of namespace ${r.metadata.namespace}`,
        ),
      );
    }
  }
  return out;
}
