// The config API over a real HTTP server on 127.0.0.1: apply, get, delete and diagnostics round trips.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createConfigApiHandler, FILE_HEADER } from './http-api.js';
import { MemoryConfigStore } from './memory-store.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: prod}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews}
          weigth: 100
`;

describe('config HTTP API', () => {
  let server: Server;
  let base: string;
  const store = new MemoryConfigStore();
  before(async () => {
    const handle = createConfigApiHandler(store);
    server = createServer((req, res) => {
      if (!handle(req, res)) {
        res.writeHead(418);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses an invalid document with analyze’s file:line field-path message, then applies the fixed one', async () => {
    const refused = await fetch(`${base}/config/apply`, {
      method: 'POST',
      headers: { [FILE_HEADER]: 'vs.yaml' },
      body: VS,
    });
    assert.equal(refused.status, 422);
    const r1 = (await refused.json()) as { ok: boolean; results: { action: string; messages: string[] }[] };
    assert.equal(r1.ok, false);
    assert.equal(r1.results[0].action, 'rejected');
    assert.match(
      r1.results[0].messages[0],
      /^vs\.yaml:9: VirtualService prod\/reviews: spec\.http\[0\]\.route\[0\]\.weigth: /,
    );
    assert.equal(store.all().length, 0);

    const fixed = await fetch(`${base}/config/apply`, {
      method: 'POST',
      body: VS.replace('weigth', 'weight'),
    });
    assert.equal(fixed.status, 200);
    const r2 = (await fixed.json()) as {
      results: { kind: string; namespace: string; name: string; action: string }[];
    };
    assert.deepEqual(r2.results, [
      {
        kind: 'networking.istio.io/VirtualService',
        namespace: 'prod',
        name: 'reviews',
        action: 'created',
        messages: [],
        diagnostics: [],
      },
    ]);
  });

  it('gets one resource, a kind, YAML output; 404 for a missing one', async () => {
    const one = (await (
      await fetch(`${base}/config/resources?kind=vs&namespace=prod&name=reviews`)
    ).json()) as {
      revision: number;
      items: { metadata: { name: string } }[];
    };
    assert.deepEqual(
      one.items.map((i) => i.metadata.name),
      ['reviews'],
    );
    assert.equal(one.revision, store.revision);
    const yaml = await (await fetch(`${base}/config/resources?kind=virtualservices&format=yaml`)).text();
    assert.match(yaml, /^apiVersion: networking\.istio\.io\/v1\nkind: VirtualService\n/);
    assert.equal((await fetch(`${base}/config/resources?kind=vs&namespace=prod&name=nope`)).status, 404);
    assert.equal((await fetch(`${base}/other`)).status, 418);
  });

  it('deletes by key and by text', async () => {
    const gone = await fetch(`${base}/config/resources?kind=vs&namespace=prod&name=reviews`, {
      method: 'DELETE',
    });
    assert.deepEqual(await gone.json(), { deleted: true });
    assert.equal(store.all().length, 0);
    await fetch(`${base}/config/apply`, { method: 'POST', body: VS.replace('weigth', 'weight') });
    const byText = await fetch(`${base}/config/delete`, { method: 'POST', body: VS });
    const body = (await byText.json()) as { results: { name: string; deleted: boolean }[] };
    assert.deepEqual(
      body.results.map((r) => [r.name, r.deleted]),
      [['reviews', true]],
    );
    assert.equal(
      (await fetch(`${base}/config/resources?kind=vs&namespace=prod&name=reviews`, { method: 'DELETE' }))
        .status,
      404,
    );
  });

  it('lists source diagnostics (none for a store fed by the API)', async () => {
    assert.deepEqual(await (await fetch(`${base}/config/diagnostics`)).json(), { sources: [] });
  });
});
