// The invalid corpus: every test/fixtures/invalid/NAME.yaml must produce exactly the lines in NAME.expected.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturesDir } from './fixtures.test-util.js';
import { formatDiagnostic, hasErrors, validateText } from './index.js';

const dir = fixturesDir('invalid');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('the invalid corpus holds at least 60 documents', () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
});

for (const file of cases) {
  test(`invalid/${file}`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const expected = readFileSync(join(dir, file.replace(/\.yaml$/, '.expected')), 'utf8')
      .trimEnd()
      .split('\n');
    const { resources, diagnostics } = validateText(text, file);
    assert.deepEqual(diagnostics.map(formatDiagnostic), expected);
    assert.ok(hasErrors(diagnostics), 'an invalid document must produce at least one error');
    assert.equal(resources.length, 0, 'an invalid document must not yield a resource');
  });
}
