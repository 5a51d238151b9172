// `trellis analyze`'s engine: schema findings from src/api plus cross-resource analyzers with Istio's codes,
// over files on disk or resources already held (the control plane's live config).
import {
  type Diagnostic,
  findKind,
  formatDiagnostic,
  type LoadedDocument,
  loadDocuments,
  type Resource,
  resourceId,
  validateDocument,
} from '../api/index.js';
import { conflictingMeshHosts, hostsNotInGateway } from './analyzers/conflicting-hosts.js';
import { missingGatewaySecrets } from './analyzers/gateway-secrets.js';
import { referencedResources } from './analyzers/references.js';
import { mtlsConflicts, unverifiedServerTls } from './analyzers/tls.js';
import { unreachableRules } from './analyzers/virtual-service-rules.js';
import { noMatchingWorkloads } from './analyzers/workloads.js';
import { AnalysisContext, type AnalysisOptions } from './context.js';
import { type Finding, MESSAGES, sortFindings } from './finding.js';

export { AnalysisContext, type AnalysisOptions } from './context.js';
export { type Code, type Finding, formatFinding, MESSAGES, sortFindings } from './finding.js';

/** Every cross-resource analyzer, in one table. */
export const ANALYZERS: readonly { name: string; run: (ctx: AnalysisContext) => Finding[] }[] = [
  { name: 'references', run: referencedResources },
  { name: 'virtualservice.unreachable-rules', run: unreachableRules },
  { name: 'virtualservice.conflicting-mesh-hosts', run: conflictingMeshHosts },
  { name: 'virtualservice.gateway-hosts', run: hostsNotInGateway },
  { name: 'selectors.no-matching-workloads', run: noMatchingWorkloads },
  { name: 'destinationrule.mtls-conflict', run: mtlsConflicts },
  { name: 'destinationrule.server-verification', run: unverifiedServerTls },
  { name: 'gateway.secrets', run: missingGatewaySecrets },
];

export function analyzeResources(resources: readonly Resource[], options: AnalysisOptions = {}): Finding[] {
  const ctx = new AnalysisContext(resources, options);
  return sortFindings(ANALYZERS.flatMap((a) => a.run(ctx)));
}

/** A schema diagnostic as a finding: IST0122 for a bad regex, IST0106 for other errors, TRL0001 for warnings. */
export function diagnosticToFinding(d: Diagnostic): Finding {
  const code = d.severity === 'warning' ? 'TRL0001' : d.code === 'regex' ? 'IST0122' : 'IST0106';
  const resource =
    d.kind !== undefined && d.name !== undefined
      ? resourceId({
          kind: d.kind,
          metadata: { name: d.name, namespace: d.namespace ?? '', labels: {}, annotations: {} },
        })
      : '';
  return {
    code,
    name: MESSAGES[code].name,
    level: MESSAGES[code].level,
    message: d.message,
    resource,
    file: d.file,
    line: d.line,
    path: d.path,
    ...(d.severity === 'error' ? { suggestion: formatDiagnostic(d) } : {}),
  };
}

export interface FileAnalysis {
  findings: Finding[];
  /** Valid resources that the analyzers saw. */
  resources: Resource[];
}

/** Puts resources that name no namespace into `namespace` (as `kubectl apply -n` and `istioctl analyze -n` do). */
function defaultNamespace(doc: LoadedDocument, namespace: string): void {
  const data = doc.data as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: Record<string, unknown>;
  } | null;
  if (!data || typeof data !== 'object' || !data.metadata || typeof data.metadata !== 'object') return;
  if (typeof data.apiVersion !== 'string' || typeof data.kind !== 'string') return;
  if (!findKind(data.apiVersion, data.kind)?.namespaced || data.metadata.namespace !== undefined) return;
  data.metadata.namespace = namespace;
}

export async function analyzeFiles(
  paths: string[],
  options: AnalysisOptions & { namespace?: string } = {},
): Promise<FileAnalysis> {
  const { documents, errors } = await loadDocuments(paths);
  const findings = errors.map(diagnosticToFinding);
  const resources: Resource[] = [];
  for (const doc of documents) {
    if (options.namespace) defaultNamespace(doc, options.namespace);
    const r = validateDocument(doc);
    findings.push(...r.diagnostics.map(diagnosticToFinding));
    if (r.resource) resources.push(r.resource);
  }
  findings.push(...analyzeResources(resources, options));
  return { findings: sortFindings(findings), resources };
}
