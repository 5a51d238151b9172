// IST0130 VirtualServiceUnreachableRule and IST0131 VirtualServiceIneffectiveMatch: http rules that can
// never be reached (after a catch-all, or every match already taken) and matches that repeat earlier ones.
import type { HTTPMatchRequest, HTTPRoute, VirtualServiceSpec } from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

function ruleName(rule: HTTPRoute, i: number): string {
  return rule.name ? `"${rule.name}"` : `#${i}`;
}

function matchName(match: HTTPMatchRequest, j: number): string {
  return match.name ? `"${match.name}"` : `#${j}`;
}

/** A match's conditions as a canonical string (its name does not change what it matches). */
function matchKey(match: HTTPMatchRequest): string {
  const { name: _name, ...conditions } = match;
  return stableStringify(conditions);
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function unreachableRules(ctx: AnalysisContext): Finding[] {
  const out: Finding[] = [];
  for (const vs of ctx.of<VirtualServiceSpec>('VirtualService')) {
    const seen = new Map<string, string>();
    let catchAll: string | undefined;
    for (const [i, rule] of (vs.spec.http ?? []).entries()) {
      const name = ruleName(rule, i);
      const path = `spec.http[${i}]`;
      if (catchAll !== undefined) {
        out.push(
          finding(
            'IST0130',
            vs,
            path,
            `VirtualService rule ${name} not used (only the last rule can have no matches; rule ${catchAll} matches everything).`,
            `move rule ${catchAll} to the end, or give it a match`,
          ),
        );
        continue;
      }
      const matches = rule.match ?? [];
      if (matches.length === 0 || matches.some((m) => matchKey(m) === '{}')) {
        catchAll = name;
        continue;
      }
      let duplicates = 0;
      for (const [j, m] of matches.entries()) {
        const key = matchKey(m);
        const earlier = seen.get(key);
        if (earlier === undefined) {
          seen.set(key, name);
          continue;
        }
        duplicates++;
        out.push(
          finding(
            'IST0131',
            vs,
            `${path}.match[${j}]`,
            `VirtualService rule ${name} match ${matchName(m, j)} is not used (duplicate/overlapping match in rule ${earlier}).`,
          ),
        );
      }
      if (duplicates === matches.length) {
        out.push(
          finding(
            'IST0130',
            vs,
            path,
            `VirtualService rule ${name} not used (all matches used by prior rules).`,
          ),
        );
      }
    }
  }
  return out;
}
