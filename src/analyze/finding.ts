// An analyzer finding (Istio's analysis message): code, name, level, the resource and field it is about, and
// its text and JSON forms as `trellis analyze` prints them.
import { lineOf, type Resource, resourceId } from '../api/index.js';

export type Level = 'Error' | 'Warning' | 'Info';

/** Istio's analysis message types we emit (code, name, level), plus Trellis's own (TRL…). */
export const MESSAGES = {
  IST0101: { name: 'ReferencedResourceNotFound', level: 'Error' },
  IST0106: { name: 'SchemaValidationError', level: 'Error' },
  IST0109: { name: 'ConflictingMeshGatewayVirtualServiceHosts', level: 'Error' },
  IST0113: { name: 'MTLSPolicyConflict', level: 'Error' },
  IST0122: { name: 'InvalidRegexp', level: 'Warning' },
  IST0127: { name: 'NoMatchingWorkloadsFound', level: 'Warning' },
  IST0128: { name: 'NoServerCertificateVerificationDestinationLevel', level: 'Warning' },
  IST0130: { name: 'VirtualServiceUnreachableRule', level: 'Warning' },
  IST0131: { name: 'VirtualServiceIneffectiveMatch', level: 'Info' },
  IST0132: { name: 'VirtualServiceHostNotFoundInGateway', level: 'Warning' },
  TRL0001: { name: 'SchemaValidationWarning', level: 'Warning' },
} as const satisfies Record<string, { name: string; level: Level }>;

export type Code = keyof typeof MESSAGES;

export interface Finding {
  code: Code;
  name: string;
  level: Level;
  message: string;
  /** `Kind ns/name` of the resource the finding is about ('' for a file-level problem). */
  resource: string;
  file: string;
  line: number;
  /** The field the finding points at, e.g. `spec.gateways[0]`. */
  path: string;
  /** What to do about it. */
  suggestion?: string;
}

export function finding(
  code: Code,
  resource: Resource,
  path: string,
  message: string,
  suggestion?: string,
): Finding {
  const m = MESSAGES[code];
  return {
    code,
    name: m.name,
    level: m.level,
    message,
    resource: resourceId(resource),
    file: resource.source.file,
    line: lineOf(resource, path),
    path,
    ...(suggestion ? { suggestion } : {}),
  };
}

/** istioctl's line form: `Error [IST0101] (VirtualService production/payment-vs payment-vs.yaml:11) message`. */
export function formatFinding(f: Finding): string {
  const where = f.line > 0 ? `${f.file}:${f.line}` : f.file;
  const origin = f.resource ? `${f.resource} ${where}` : where;
  const field = f.path ? ` [${f.path}]` : '';
  const head = `${f.level} [${f.code}] (${origin})${field} ${f.message}`;
  return f.suggestion ? `${head}\n    suggestion: ${f.suggestion}` : head;
}

const LEVEL_ORDER: Record<Level, number> = { Error: 0, Warning: 1, Info: 2 };

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
