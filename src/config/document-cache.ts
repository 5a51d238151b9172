// Loads a multi-document YAML file one document at a time, reusing the result of every document whose text
// is unchanged since the last load of that file (moved by its lines when the document moved): an edit to one
// resource of a large file (`trellis apply` rewrites it in place) parses and validates that one document.
import { type Diagnostic, type Resource, shiftedResource } from './api.js';

/** Parses and validates one file's text (the shape of FileLoader). */
type Loader = (text: string, file: string) => { resources: Resource[]; diagnostics: Diagnostic[] };
type Loaded = ReturnType<Loader>;

/** One document of a file: its text (marker line included) and the 1-based line it starts on. */
export interface DocumentPiece {
  text: string;
  line: number;
}

/** A YAML document marker: `---` at the start of a line, then the end of the line, a space or a tab. */
const MARKER = /^---(?:[ \t\r\n]|$)/;

/**
 * Splits text at document markers. A marker at column 0 always starts a new document in YAML (no scalar may
 * hold one), so each piece loads on its own exactly as it does within the file.
 */
export function splitDocuments(text: string): DocumentPiece[] {
  const pieces: DocumentPiece[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    if (pos > start && MARKER.test(text.slice(pos, Math.min(end, pos + 4)))) {
      pieces.push({ text: text.slice(start, pos), line: startLine });
      start = pos;
      startLine = line;
    }
    pos = end;
    line++;
  }
  if (start < text.length || pieces.length === 0) pieces.push({ text: text.slice(start), line: startLine });
  return pieces;
}

/**
 * Wraps `load` with a per-file memory of each document's result, loaded on its own (lines counted from the
 * document's first line) and moved to where the document sits in the file. Files of one document go
 * straight to `load`.
 */
export function documentCachedLoader(load: Loader): Loader & { forget(file: string): void } {
  const byFile = new Map<string, Map<string, Loaded>>();
  const cached = (text: string, file: string): Loaded => {
    const pieces = splitDocuments(text);
    if (pieces.length < 2) {
      byFile.delete(file);
      return load(text, file);
    }
    const previous = byFile.get(file);
    const next = new Map<string, Loaded>();
    const resources: Resource[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const piece of pieces) {
      let result = next.get(piece.text) ?? previous?.get(piece.text);
      if (result === undefined) result = load(piece.text, file);
      next.set(piece.text, result);
      const delta = piece.line - 1;
      for (const r of result.resources) resources.push(shiftedResource(r, delta));
      for (const d of result.diagnostics)
        diagnostics.push(delta === 0 || d.line === 0 ? d : { ...d, line: d.line + delta });
    }
    byFile.set(file, next);
    return { resources, diagnostics };
  };
  return Object.assign(cached, { forget: (file: string) => void byFile.delete(file) });
}
