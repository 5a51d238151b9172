// Loading from files, recursive directories and error reporting for unreadable paths.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDocuments } from './loader.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('directories are read recursively, in name order, .yaml/.yml/.json only', async () => {
  mkdirSync(join(dir, 'b', 'c'), { recursive: true });
  writeFileSync(join(dir, 'a.yaml'), 'kind: A\n---\nkind: A2\n');
  writeFileSync(join(dir, 'b', 'c', 'd.json'), '{\n  "kind": "D"\n}\n');
  writeFileSync(join(dir, 'b', 'e.yml'), '\n\nkind: E\n');
  writeFileSync(join(dir, 'b', 'notes.txt'), 'kind: ignored\n');
  const { documents, errors } = await loadDocuments([dir]);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    documents.map((d) => [d.file.slice(dir.length + 1), d.line, (d.data as { kind: string }).kind]),
    [
      ['a.yaml', 1, 'A'],
      ['a.yaml', 3, 'A2'],
      [join('b', 'c', 'd.json'), 1, 'D'],
      [join('b', 'e.yml'), 3, 'E'],
    ],
  );
});

test('unreadable paths and YAML errors become diagnostics; other files still load', async () => {
  writeFileSync(join(dir, 'bad.yaml'), 'a: [1\n');
  const { documents, errors } = await loadDocuments([
    join(dir, 'missing.yaml'),
    join(dir, 'bad.yaml'),
    join(dir, 'a.yaml'),
  ]);
  assert.equal(documents.length, 2);
  assert.equal(errors.length, 2);
  assert.equal(errors[0].message, 'cannot read: no such file or directory');
  assert.equal(errors[1].file, join(dir, 'bad.yaml'));
  assert.match(errors[1].message, /^YAML: /);
});
