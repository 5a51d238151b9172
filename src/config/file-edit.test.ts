// In-place edits of config files: one resource replaced or removed, every other byte kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { virtualService } from './conformance.js';
import { countResources, removeDocument, replaceDocument } from './file-edit.js';

const key = (name: string) => ({ kind: 'networking.istio.io/VirtualService', namespace: 'default', name });
const vsYaml = (name: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\nspec:\n  hosts: [${name}]\n`;

describe('replaceDocument / removeDocument', () => {
  it('replace one document of several, keeping comments and the other documents byte for byte', () => {
    const text = `# top\n${vsYaml('a')}---\n# about b\n${vsYaml('b')}`;
    const out = replaceDocument(text, 'f.yaml', key('a'), virtualService('a', 'a2', 'default'));
    assert.ok(out?.startsWith('# top\napiVersion'));
    assert.ok(out?.endsWith(`---\n# about b\n${vsYaml('b')}`));
    assert.match(out ?? '', /- a2/);
    assert.doesNotMatch(out ?? '', /labels: \{\}/);
    assert.equal(
      replaceDocument(text, 'f.yaml', key('zzz'), virtualService('zzz', 'z', 'default')),
      undefined,
    );
  });

  it('remove the first or a later document without leaving an empty one', () => {
    const text = `${vsYaml('a')}---\n${vsYaml('b')}---\n${vsYaml('c')}`;
    assert.equal(removeDocument(text, 'f.yaml', key('a')), `${vsYaml('b')}---\n${vsYaml('c')}`);
    assert.equal(removeDocument(text, 'f.yaml', key('b')), `${vsYaml('a')}---\n${vsYaml('c')}`);
    assert.equal(removeDocument(text, 'f.yaml', key('c')), `${vsYaml('a')}---\n${vsYaml('b')}`);
  });

  it('edit an item of a `kind: List` document and of a JSON array', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - ${vsYaml('a').trimEnd().replace(/\n/g, '\n    ')}\n  - ${vsYaml('b').trimEnd().replace(/\n/g, '\n    ')}\n`;
    assert.equal(countResources(list), 2);
    const replaced = replaceDocument(list, 'l.yaml', key('b'), virtualService('b', 'b2', 'default'));
    assert.deepEqual(
      (parse(replaced ?? '') as { items: { spec: { hosts: string[] } }[] }).items.map((i) => i.spec.hosts[0]),
      ['a', 'b2'],
    );
    const removed = removeDocument(list, 'l.yaml', key('a'));
    assert.deepEqual(
      (parse(removed ?? '') as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      ['b'],
    );
    const json = JSON.stringify([parse(vsYaml('a')), parse(vsYaml('b'))]);
    const edited = replaceDocument(json, 'l.json', key('a'), virtualService('a', 'a2', 'default'));
    assert.deepEqual(
      (JSON.parse(edited ?? '') as { spec: { hosts: string[] } }[]).map((i) => i.spec.hosts[0]),
      ['a2', 'b'],
    );
  });
});
