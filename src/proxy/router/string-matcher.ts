// Compiles Envoy's StringMatcher and regex patterns once, at config time, into plain predicates. Regexes use
// RE2 (linear time, Envoy's safe_regex semantics: the whole string must match).
import RE2 from 're2';
import type { StringMatch } from '../config/route.js';

export type StringPredicate = (value: string) => boolean;

/** A full-match RE2 regex for `pattern` (Envoy's safe_regex matches the whole input). */
export function compileFullRegex(pattern: string): RE2 {
  return new RE2(`^(?:${pattern})$`, 'u');
}

export function compileStringMatch(m: StringMatch): StringPredicate {
  switch (m.kind) {
    case 'regex': {
      const re = compileFullRegex(m.pattern);
      return (v) => re.test(v);
    }
    case 'exact': {
      const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
      return m.ignoreCase ? (v) => v.toLowerCase() === want : (v) => v === want;
    }
    case 'prefix': {
      const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
      return m.ignoreCase ? (v) => v.toLowerCase().startsWith(want) : (v) => v.startsWith(want);
    }
    case 'suffix': {
      const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
      return m.ignoreCase ? (v) => v.toLowerCase().endsWith(want) : (v) => v.endsWith(want);
    }
    case 'contains': {
      const want = m.ignoreCase ? m.value.toLowerCase() : m.value;
      return m.ignoreCase ? (v) => v.toLowerCase().includes(want) : (v) => v.includes(want);
    }
  }
}
