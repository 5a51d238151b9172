// proxyArgv: proxies start as this same program with the proxy's Node.js flags ahead of the entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROXY_NODE_FLAGS, proxyArgv, selfArgv } from './self.js';

test('proxyArgv runs this program with the proxy flags before the entry and `proxy` last', () => {
  const self = selfArgv();
  const argv = proxyArgv();
  assert.equal(argv[0], process.execPath);
  assert.deepEqual(argv.slice(1, 1 + PROXY_NODE_FLAGS.length), [...PROXY_NODE_FLAGS]);
  assert.deepEqual(argv.slice(1 + PROXY_NODE_FLAGS.length), [...self.slice(1), 'proxy']);
  // V8 flags are node options: they must precede the script, or the proxy would read them as its own.
  assert.ok(argv.indexOf('--max-semi-space-size=2') < argv.indexOf(process.argv[1] as string));
});
