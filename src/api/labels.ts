// Kubernetes labels and label selectors: key/value syntax checks and matching (matchLabels + matchExpressions).

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid (`[prefix/]name`, name ≤ 63 chars, prefix a DNS subdomain ≤ 253), or undefined. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `invalid label key "${key}": the prefix must be a lowercase DNS subdomain such as "app.kubernetes.io"`;
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `invalid label key "${key}": the name must be 1-63 characters of letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why a label value is invalid (empty, or ≤ 63 chars of [A-Za-z0-9-_.] starting/ending alphanumeric), or undefined. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `invalid label value "${value}": at most 63 characters of letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A Kubernetes LabelSelector; an empty selector selects everything. */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

/** True when every label of `required` is present in `labels` with the same value (Istio's subset/selector match). */
export function labelsMatch(required: Labels | undefined, labels: Labels): boolean {
  if (!required) return true;
  for (const [k, v] of Object.entries(required)) if (labels[k] !== v) return false;
  return true;
}

/** True when `labels` satisfies every part of the selector. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  if (!labelsMatch(selector.matchLabels, labels)) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const inValues = has && (req.values ?? []).includes(labels[req.key]);
    switch (req.operator) {
      case 'In':
        if (!inValues) return false;
        break;
      case 'NotIn':
        if (inValues) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Why a selector requirement is malformed (In/NotIn need values, Exists/DoesNotExist take none), or undefined. */
export function requirementError(req: LabelSelectorRequirement): string | undefined {
  const n = req.values?.length ?? 0;
  if ((req.operator === 'In' || req.operator === 'NotIn') && n === 0) {
    return `operator ${req.operator} needs at least one value`;
  }
  if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && n > 0) {
    return `operator ${req.operator} takes no values`;
  }
  return undefined;
}

/** Prints a selector the way kubectl does: `app=payment,version in (v1,v2)`. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.join(',');
}
