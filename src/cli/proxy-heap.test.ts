// The proxy's V8 heap flags: which flags are set, the environment override, and that they keep the young
// generation small while the Envoy descriptors load (checked in a fresh process, as the proxy starts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  applyProxyHeapFlags,
  applyServingHeapFlags,
  DEFAULT_PROXY_V8_FLAGS,
  DEFAULT_SERVING_V8_FLAGS,
} from './proxy-heap.js';

test('the environment replaces the default flags; an empty value sets none', () => {
  assert.deepEqual(applyProxyHeapFlags({ TRELLIS_PROXY_V8_FLAGS: '' }), []);
  assert.deepEqual(
    applyProxyHeapFlags({ TRELLIS_PROXY_V8_FLAGS: ' --semi-space-growth-factor=1  --stack-size=900 ' }),
    ['--semi-space-growth-factor=1', '--stack-size=900'],
  );
  assert.deepEqual(applyProxyHeapFlags({}), DEFAULT_PROXY_V8_FLAGS);
  assert.deepEqual(applyServingHeapFlags({}), DEFAULT_SERVING_V8_FLAGS);
  assert.deepEqual(applyServingHeapFlags({ TRELLIS_PROXY_V8_FLAGS_SERVING: '' }), []);
  assert.deepEqual(applyServingHeapFlags({ TRELLIS_PROXY_V8_FLAGS_SERVING: '--stack-size=984' }), [
    '--stack-size=984',
  ]);
});

/** New-space size in MB after loading the bootstrap decoder in a fresh process, with the given env. */
function newSpaceMbAfterDecoderLoad(env: Record<string, string>): number {
  // Compiled (dist/, .js) or from source (.ts through tsx).
  const ext = import.meta.url.endsWith('.js') ? 'js' : 'ts';
  const heap = fileURLToPath(new URL(`./proxy-heap.${ext}`, import.meta.url));
  const decoder = fileURLToPath(new URL(`../proxy/xds-client/decode-bootstrap.${ext}`, import.meta.url));
  const script = `
    const { applyProxyHeapFlags } = await import(${JSON.stringify(heap)});
    applyProxyHeapFlags();
    await import(${JSON.stringify(decoder)});
    const v8 = await import('node:v8');
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    process.stdout.write(String(s.space_size / 1048576));`;
  const loader = ext === 'ts' ? ['--import', 'tsx'] : [];
  const out = execFileSync(process.execPath, [...loader, '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return Number(out);
}

test('with the default flags the young generation stays at its initial size while descriptors load', () => {
  // Without the flag V8 grows the semi-spaces to 16 MB each (32 MB of new space) during this load.
  assert.ok(newSpaceMbAfterDecoderLoad({}) <= 4);
  assert.ok(newSpaceMbAfterDecoderLoad({ TRELLIS_PROXY_V8_FLAGS: '' }) > 4);
});
