// The BookInfo apps on their own (no mesh): real processes wired by URL environment variables, so the page,
// the stars of each reviews version and the error texts are proven before the mesh routes between them.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/runtime/ports.js';
import { projectRoot } from '../helpers/trellis-bin.js';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGTERM');
});

/** Starts one app (compiled or, from source, through tsx) and waits for its "listening" line. */
async function startApp(app: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const compiled = import.meta.url.endsWith('.js');
  const file = compiled
    ? join(projectRoot(), 'dist/samples/bookinfo/apps', `${app}.js`)
    : join(projectRoot(), 'samples/bookinfo/apps', `${app}.ts`);
  const args = compiled ? [file] : ['--import', 'tsx', file];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${app} exited with ${code}`)));
  });
  return `http://127.0.0.1:${port}`;
}

test('productpage shows details and red stars from reviews v3 → ratings', async () => {
  const ratings = await startApp('ratings', {});
  const details = await startApp('details', {});
  const reviews = await startApp('reviews', { SERVICE_VERSION: 'v3', RATINGS_URL: ratings });
  const productpage = await startApp('productpage', { DETAILS_URL: details, REVIEWS_URL: reviews });
  const page = await (await fetch(`${productpage}/productpage`)).text();
  assert.match(page, /The Comedy of Errors/);
  assert.match(page, /<b>ISBN-10<\/b><\/td><td>1234567890/);
  assert.equal((page.match(/class="stars stars-red"/g) ?? []).length, 2);
  assert.match(page, /Reviews served by: <span id="served-by">reviews-v3/);
});

test('reviews v1 has no stars; v2 says ratings are unavailable when ratings is down', async () => {
  const v1 = await startApp('reviews', { SERVICE_VERSION: 'v1' });
  const body1 = (await (await fetch(`${v1}/reviews/0`)).json()) as { reviews: { rating?: unknown }[] };
  assert.equal(body1.reviews.length, 2);
  assert.ok(body1.reviews.every((r) => r.rating === undefined));
  const dead = `http://127.0.0.1:${await freePort()}`;
  const v2 = await startApp('reviews', { SERVICE_VERSION: 'v2', RATINGS_URL: dead });
  const body2 = (await (await fetch(`${v2}/reviews/0`)).json()) as {
    reviews: { rating?: { error?: string } }[];
  };
  assert.equal(body2.reviews[0].rating?.error, 'Ratings service is currently unavailable');
});

test('productpage without reviews shows the original error text; sign-in sets the user', async () => {
  const details = await startApp('details', {});
  const dead = `http://127.0.0.1:${await freePort()}`;
  const productpage = await startApp('productpage', { DETAILS_URL: details, REVIEWS_URL: dead });
  const page = await (await fetch(`${productpage}/productpage`)).text();
  assert.match(page, /Sorry, product reviews are currently unavailable for this book\./);
  const login = await fetch(`${productpage}/login`, {
    method: 'POST',
    body: 'username=jason',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  assert.equal(login.status, 302);
  assert.match(login.headers.get('set-cookie') ?? '', /^user=jason;/);
});
