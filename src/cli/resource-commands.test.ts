// apply/get/delete/proxy-status in-process against the real API handler on 127.0.0.1 over an in-memory
// store: delete -f with -n, multi-document files and directories, refusals next to accepted resources, and
// the proxy-status and proxy lookup text.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { MemoryConfigStore } from '../config/index.js';
import { createApiHandler } from '../controlplane/api/index.js';
import type { ProxySyncWire } from '../controlplane/api/wire.js';
import { runApply } from './apply.js';
import { runDelete } from './delete.js';
import { runGet } from './get.js';
import { findProxy } from './proxy-config.js';
import { renderProxyStatus } from './proxy-status.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const DR = (name: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name} }
spec:
  host: ${name}${extra}
`;

let server: Server;
let store: MemoryConfigStore;
let controlplane: string;
let dir: string;

before(async () => {
  store = new MemoryConfigStore();
  const handler = createApiHandler({ store, status: () => [], analyze: () => [], instance: 'cp' });
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  controlplane = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'trellis-cli-cmds-'));
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

test('apply reads a directory of multi-document files; a refused document does not stop the others', async () => {
  mkdirSync(join(dir, 'conf'));
  writeFileSync(
    join(dir, 'conf', 'a.yaml'),
    `${DR('details')}---\n${DR('ratings', '\n  trafficPolicy: { tls: { mode: MAGIC } }')}`,
  );
  writeFileSync(
    join(dir, 'conf', 'b.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'details' },
      spec: { ports: [{ port: 9080, name: 'http' }] },
    }),
  );
  const out = new Capture();
  const err = new Capture();
  const code = await runApply({ filename: [join(dir, 'conf')], namespace: 'shop', controlplane }, out, err);
  assert.equal(code, 1);
  assert.equal(out.text, 'destinationrule.networking.istio.io/details created\nservice/details created\n');
  assert.match(err.text, /a\.yaml:12: DestinationRule shop\/ratings: spec\.trafficPolicy\.tls\.mode: /);
  assert.ok(store.get('dr', 'shop', 'details'));
  assert.ok(store.get('Service', 'shop', 'details'));
});

test('get prints a table with the kind columns, "No resources found" for an empty namespace, JSON lists', async () => {
  const out = new Capture();
  const err = new Capture();
  assert.equal(await runGet('dr', undefined, { namespace: 'shop', controlplane }, out, err), 0);
  assert.equal(out.text, 'NAME      HOST\ndetails   details\n');
  const none = new Capture();
  await runGet('dr', undefined, { namespace: 'empty', controlplane }, new Capture(), none);
  assert.equal(none.text, 'No resources found in empty namespace.\n');
  const json = new Capture();
  await runGet('destinationrules', undefined, { namespace: 'shop', output: 'json', controlplane }, json, err);
  const list = JSON.parse(json.text) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['details'],
  );
});

test('delete -f -n removes what the file names in that namespace and reports what was missing', async () => {
  const file = join(dir, 'del.yaml');
  writeFileSync(file, `${DR('details')}---\n${DR('nothing')}`);
  const out = new Capture();
  const err = new Capture();
  const code = await runDelete([], { filename: [file], namespace: 'shop', controlplane }, out, err);
  assert.equal(code, 1);
  assert.equal(out.text, 'destinationrule.networking.istio.io "details" deleted\n');
  assert.equal(
    err.text,
    'Error from server (NotFound): destinationrule.networking.istio.io "nothing" not found\n',
  );
  assert.equal(store.get('dr', 'shop', 'details'), undefined);
  assert.equal(await runDelete(['svc', 'details'], { namespace: 'shop', controlplane }, out, err), 0);
  assert.match(out.text, /service "details" deleted\n$/);
});

const proxy = (name: string, over: Partial<ProxySyncWire> = {}): ProxySyncWire => ({
  proxyId: `sidecar~10.0.0.1~${name}~default.svc.cluster.local`,
  name,
  namespace: 'default',
  type: 'sidecar',
  connectionId: `${name}-1`,
  connectedAt: 0,
  controlPlane: 'cp-1',
  types: {},
  ...over,
});

test('proxy lookup: exact name, node id, bare name, unique prefix; ambiguity and absence are explained', () => {
  const all = [proxy('reviews-v1.default'), proxy('reviews-v2.default'), proxy('ratings-v1.default')];
  assert.equal(findProxy(all, 'reviews-v1.default').name, 'reviews-v1.default');
  assert.equal(findProxy(all, all[2].proxyId).name, 'ratings-v1.default');
  assert.equal(findProxy(all, 'ratings').name, 'ratings-v1.default');
  assert.throws(
    () => findProxy(all, 'reviews'),
    /matches several proxies: reviews-v1\.default, reviews-v2\.default/,
  );
  assert.throws(() => findProxy(all, 'details'), /no connected proxy named "details"/);
});

test('proxy-status rows sort by name, absent types read NOT SENT, only a current NACK gets a line', () => {
  const t = (state: 'SYNCED' | 'STALE', extra = {}) => ({
    typeUrl: 'x',
    state,
    resourceNames: [],
    pushes: 1,
    sentVersion: '3',
    ...extra,
  });
  const text = renderProxyStatus([
    proxy('z.default', {
      types: {
        CDS: t('SYNCED', { nack: { message: 'old problem', version: '2', nonce: '1', at: 0 } }),
        RDS: t('STALE', { nack: { message: 'route 9080: bad regex', version: '3', nonce: '2', at: 0 } }),
      },
    }),
    proxy('a.default', { types: { CDS: t('SYNCED'), LDS: t('SYNCED') } }),
  ]);
  assert.equal(
    text,
    'NAME      CDS    LDS      EDS      RDS      SDS      CONTROLPLANE\n' +
      'a.default SYNCED SYNCED   NOT SENT NOT SENT NOT SENT cp-1\n' +
      'z.default SYNCED NOT SENT NOT SENT STALE    NOT SENT cp-1\n' +
      '    NACK RDS (version 3): route 9080: bad regex\n',
  );
});
