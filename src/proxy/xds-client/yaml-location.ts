// Finds where a field path (`static_resources.clusters[0].connect_timeout`) sits in a parsed YAML/JSON
// document, so bootstrap errors can name the file and line.
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** `a.b[2].c` → ['a', 'b', 2, 'c']. */
function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The 1-based line of the deepest node along `path` (the field's key when present, else its parent). */
export function lineOfPath(doc: Document, lines: LineCounter, path: string): number | undefined {
  const segs = segments(path);
  let node: unknown = doc.contents;
  let found: Node | undefined = isMap(node) || isSeq(node) ? node : undefined;
  let i = 0;
  while (i < segs.length && node !== null && node !== undefined) {
    const seg = segs[i];
    if (typeof seg === 'number') {
      if (!isSeq(node) || !node.items[seg]) break;
      node = node.items[seg];
      i++;
    } else {
      if (!isMap(node)) break;
      const map = node;
      // Map keys may contain dots (typed_extension_protocol_options keys): try the longest joined key first.
      let matched = false;
      for (let j = segs.length; j > i && !matched; j--) {
        const parts = segs.slice(i, j);
        if (parts.some((p) => typeof p === 'number')) continue;
        const want = parts.join('.');
        const pair = map.items.find(
          (p) => isScalar(p.key) && (String(p.key.value) === want || snake(String(p.key.value)) === want),
        );
        if (pair !== undefined) {
          node = pair.value;
          // The key's line reads best ("health_checks:"), even when the value starts below it.
          found = pair.key as Node;
          i = j;
          matched = true;
        }
      }
      if (!matched) break;
      continue;
    }
    found = node as Node;
  }
  const start = found?.range?.[0];
  return start === undefined ? undefined : lines.linePos(start).line;
}
