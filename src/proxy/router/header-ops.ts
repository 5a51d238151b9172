// Request/response header edits compiled at config time: the levels (weighted cluster, route, virtual host,
// route configuration) flattened into one ordered list applied to a flat [name, value, …] header array.
import type { AppendAction, HeaderOps } from '../config/route.js';

export interface CompiledHeaderAdd {
  name: string;
  /** Latin-1 view of the UTF-8 bytes, so it serialises byte-exact on HTTP/1.1. */
  value: string;
  action: AppendAction;
  keepEmpty: boolean;
}

/** One level's edits: removals first, then additions (Envoy's order within a level). */
export interface CompiledHeaderLevel {
  remove: string[];
  add: CompiledHeaderAdd[];
}

export type CompiledHeaderOps = readonly CompiledHeaderLevel[];

function toLatin1(v: string): string {
  return /^[\x00-\x7f]*$/.test(v) ? v : Buffer.from(v, 'utf8').toString('latin1');
}

function level(remove: string[], add: HeaderOps['requestAdd']): CompiledHeaderLevel | undefined {
  if (remove.length === 0 && add.length === 0) return undefined;
  return {
    remove: remove.map((n) => n.toLowerCase()),
    add: add.map((a) => ({
      name: a.key.toLowerCase(),
      value: toLatin1(a.value),
      action: a.action,
      keepEmpty: a.keepEmptyValue,
    })),
  };
}

/** Compiles levels from most to least specific; later levels win on overwrite, as in Envoy by default. */
export function compileHeaderOps(
  levels: (HeaderOps | undefined)[],
  side: 'request' | 'response',
): CompiledHeaderOps {
  const out: CompiledHeaderLevel[] = [];
  for (const ops of levels) {
    if (ops === undefined) continue;
    const l =
      side === 'request'
        ? level(ops.requestRemove, ops.requestAdd)
        : level(ops.responseRemove, ops.responseAdd);
    if (l) out.push(l);
  }
  return out;
}

/** Removes every header named `name` (names are blanked, not spliced: serialisers skip empty names). */
export function removeHeader(headers: string[], name: string): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) {
      headers[i] = '';
      headers[i + 1] = '';
    }
  }
}

/** Replaces the first header named `name` (removing later duplicates), or appends it. */
export function setHeader(headers: string[], name: string, value: string): void {
  let found = false;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) {
      if (found) {
        headers[i] = '';
        headers[i + 1] = '';
      } else {
        headers[i + 1] = value;
        found = true;
      }
    }
  }
  if (!found) headers.push(name, value);
}

function hasHeader(headers: string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return true;
  return false;
}

export function applyHeaderOps(headers: string[], ops: CompiledHeaderOps): void {
  for (let l = 0; l < ops.length; l++) {
    const lv = ops[l];
    for (let r = 0; r < lv.remove.length; r++) {
      const n = lv.remove[r];
      if (n.charCodeAt(0) !== 0x3a && n !== 'host') removeHeader(headers, n);
    }
    for (let a = 0; a < lv.add.length; a++) {
      const add = lv.add[a];
      if (add.value === '' && !add.keepEmpty) continue;
      switch (add.action) {
        case 'APPEND_IF_EXISTS_OR_ADD':
          headers.push(add.name, add.value);
          break;
        case 'ADD_IF_ABSENT':
          if (!hasHeader(headers, add.name)) headers.push(add.name, add.value);
          break;
        case 'OVERWRITE_IF_EXISTS_OR_ADD':
          setHeader(headers, add.name, add.value);
          break;
        case 'OVERWRITE_IF_EXISTS':
          if (hasHeader(headers, add.name)) setHeader(headers, add.name, add.value);
          break;
      }
    }
  }
}
