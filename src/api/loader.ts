// Loading: multi-document YAML and JSON from text, files, directories (recursive) and stdin, with every
// field's source line kept so findings can point at it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { joinPath, toCamel } from './path.js';

/** Field path → 1-based line. Holds each path as written and with snake_case keys turned camelCase. */
export type LineIndex = Map<string, number>;

export interface LoadedDocument {
  file: string;
  /** 1-based line of the document's first field. */
  line: number;
  /** 0-based position of the document in its file. */
  index: number;
  /** The parsed value (plain JSON data), not yet validated. */
  data: unknown;
  lines: LineIndex;
}

const CONFIG_EXTENSIONS = ['.yaml', '.yml', '.json'];
export const STDIN = '-';

function indexLines(root: Node, lc: LineCounter): LineIndex {
  const lines: LineIndex = new Map();
  const lineAt = (n: Node | null | undefined): number | undefined =>
    n?.range ? lc.linePos(n.range[0]).line : undefined;
  const walk = (node: unknown, raw: string, camel: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const line = lineAt(keyNode) ?? lineAt(pair.value as Node);
        const r = joinPath(raw, key);
        const c = joinPath(camel, toCamel(key));
        if (line !== undefined) {
          lines.set(r, line);
          if (!lines.has(c)) lines.set(c, line);
        }
        walk(pair.value, r, c);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const line = lineAt(item as Node);
        const r = joinPath(raw, i);
        const c = joinPath(camel, i);
        if (line !== undefined) {
          lines.set(r, line);
          if (!lines.has(c)) lines.set(c, line);
        }
        walk(item, r, c);
      });
    }
  };
  const first = lineAt(root) ?? 1;
  lines.set('', first);
  walk(root, '', '');
  return lines;
}

/** Parses YAML (any number of `---` documents) or JSON text. Empty documents are skipped; a top-level list or a
 * `kind: List` yields one document per item. */
export function parseDocuments(
  text: string,
  file: string,
): { documents: LoadedDocument[]; errors: Diagnostic[] } {
  const lc = new LineCounter();
  const documents: LoadedDocument[] = [];
  const errors: Diagnostic[] = [];
  const parsed = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    for (const e of problems) {
      const line = lc.linePos(e.pos[0]).line;
      errors.push({
        severity: doc.errors.includes(e) ? 'error' : 'warning',
        file,
        line,
        path: '',
        message: `YAML: ${e.message.split('\n')[0]}`,
        code: 'yaml',
      });
    }
    if (doc.errors.length > 0 || !doc.contents) continue;
    const data: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (data === null || data === undefined) continue;
    const root = doc.contents as Node;
    const items: Array<{ data: unknown; node: Node }> = [];
    const isList =
      typeof data === 'object' && !Array.isArray(data) && (data as { kind?: unknown }).kind === 'List';
    if (Array.isArray(data) && isSeq(root)) {
      data.forEach((d, i) => {
        items.push({ data: d, node: root.items[i] as Node });
      });
    } else if (isList && isMap(root) && Array.isArray((data as { items?: unknown }).items)) {
      const listNode = root.get('items', true);
      (data as { items: unknown[] }).items.forEach((d, i) => {
        if (isSeq(listNode)) items.push({ data: d, node: listNode.items[i] as Node });
      });
    } else {
      items.push({ data, node: root });
    }
    for (const item of items) {
      const lines = indexLines(item.node, lc);
      documents.push({ file, line: lines.get('') ?? 1, index: documents.length, data: item.data, lines });
    }
  }
  return { documents, errors };
}

async function collectFiles(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await collectFiles(p, out);
    else if (CONFIG_EXTENSIONS.some((ext) => e.name.endsWith(ext))) out.push(p);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Loads every document from the given paths: files (any extension), directories (their .yaml/.yml/.json files,
 * recursively, in name order) and `-` for stdin (reported as `<stdin>`). Unreadable paths and YAML syntax
 * errors come back as diagnostics; the rest still loads.
 */
export async function loadDocuments(
  paths: string[],
): Promise<{ documents: LoadedDocument[]; errors: Diagnostic[] }> {
  const documents: LoadedDocument[] = [];
  const errors: Diagnostic[] = [];
  const add = (text: string, file: string) => {
    const r = parseDocuments(text, file);
    documents.push(...r.documents);
    errors.push(...r.errors);
  };
  for (const p of paths) {
    if (p === STDIN) {
      add(await readStdin(), '<stdin>');
      continue;
    }
    try {
      const st = await stat(p);
      const files: string[] = [];
      if (st.isDirectory()) await collectFiles(p, files);
      else files.push(p);
      for (const f of files) add(await readFile(f, 'utf8'), f);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file or directory' : e instanceof Error ? e.message : String(e);
      errors.push({
        severity: 'error',
        file: p,
        line: 0,
        path: '',
        message: `cannot read: ${why}`,
        code: 'read',
      });
    }
  }
  return { documents, errors };
}
