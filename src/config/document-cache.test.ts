// The per-document loader cache gives exactly what loading the whole file gives (every YAML file under
// test/fixtures and samples, valid and invalid), and after an edit to one document loads only that one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lineOf } from '../api/index.js';
import { loadText } from './api.js';
import { documentCachedLoader, splitDocuments } from './document-cache.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/dist\/?$/, '');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

test('splitDocuments cuts at column-0 markers only and keeps first lines', () => {
  const text = '# head\napiVersion: v1\n---\nkind: A\ndata: |\n  ---not a marker\n--- # next\nkind: B\n';
  assert.deepEqual(
    splitDocuments(text).map((p) => [p.line, p.text.split('\n')[0]]),
    [
      [1, '# head'],
      [3, '---'],
      [7, '--- # next'],
    ],
  );
  assert.equal(
    splitDocuments(text)
      .map((p) => p.text)
      .join(''),
    text,
    'pieces put back together are the file',
  );
});

test('same resources, sources and diagnostics as loading the whole file', () => {
  const files = [...yamlFiles(join(root, 'test/fixtures')), ...yamlFiles(join(root, 'samples'))];
  assert.ok(files.length > 50, `${files.length} files`);
  const cached = documentCachedLoader(loadText);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const whole = loadText(text, file);
    for (const pass of [1, 2]) {
      const pieces = cached(text, file);
      assert.deepEqual(
        JSON.parse(JSON.stringify(pieces)),
        JSON.parse(JSON.stringify(whole)),
        `${file} (load ${pass})`,
      );
    }
  }
});

test('an edit to one document loads only that document again', () => {
  let loads = 0;
  const cached = documentCachedLoader((text: string, file: string) => {
    loads++;
    return loadText(text, file);
  });
  const doc = (name: string, weight: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name} }
spec:
  hosts: [${name}]
  http: [{ route: [{ destination: { host: ${name} }, weight: ${weight} }] }]
`;
  const file = (w: number) => [doc('a', 100), doc('b', w), doc('c', 100)].join('---\n');
  const first = cached(file(100), 'mesh.yaml');
  assert.equal(loads, 3);
  const second = cached(file(100), 'mesh.yaml');
  assert.equal(loads, 3, 'nothing changed: nothing loaded');
  const edited = cached(file(90), 'mesh.yaml');
  assert.equal(loads, 4, 'one document changed: one loaded');
  assert.equal(edited.resources[0], first.resources[0], 'an unmoved document keeps its resource object');
  assert.deepEqual(second.resources[2], edited.resources[2]);
  assert.equal(edited.resources[1].source.line, 8);
  // A longer document pushes the next one down: reused, with its lines moved.
  const longer = [doc('a', 100), `${doc('b', 90)}# a comment line\n`, doc('c', 100)].join('---\n');
  const moved = cached(longer, 'mesh.yaml');
  assert.equal(loads, 5, 'only the edited document');
  assert.equal(moved.resources[2].source.line, first.resources[2].source.line + 1);
  assert.equal(lineOf(moved.resources[2], 'spec.hosts'), lineOf(first.resources[2], 'spec.hosts') + 1);
});
