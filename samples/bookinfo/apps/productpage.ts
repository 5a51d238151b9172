// BookInfo productpage: the HTML page of one book, with its details and reviews fetched from the details and
// reviews services (3 s timeout, one retry, as the original). Sign-in sets the `end-user` header downstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardedHeaders, getJson, sendJson, serve, serviceUrl } from './common.js';
import { type Review, renderIndex, renderProductPage } from './productpage-html.js';

const detailsUrl = serviceUrl('details');
const reviewsUrl = serviceUrl('reviews');
const TIMEOUT_MS = 3000;

function userOf(req: IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)user=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]) : undefined;
}

function outboundHeaders(req: IncomingMessage): Record<string, string> {
  const headers = forwardedHeaders(req);
  const user = userOf(req);
  if (user) headers['end-user'] = user;
  return headers;
}

/** One call with the original's timeout and a single retry. */
async function fetchWithRetry(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  try {
    return await getJson(url, headers, TIMEOUT_MS);
  } catch {
    return await getJson(url, headers, TIMEOUT_MS);
  }
}

async function details(id: number, headers: Record<string, string>) {
  try {
    const r = await fetchWithRetry(`${detailsUrl}/details/${id}`, headers);
    if (r.status === 200) return { ok: true as const, value: r.body as Record<string, unknown> };
  } catch {
    // fall through to the error text
  }
  return { ok: false as const, error: 'Sorry, product details are currently unavailable for this book.' };
}

async function reviews(id: number, headers: Record<string, string>) {
  try {
    const r = await fetchWithRetry(`${reviewsUrl}/reviews/${id}`, headers);
    if (r.status === 200) {
      const body = r.body as { reviews: Review[]; podname?: string };
      return { ok: true as const, value: body.reviews, servedBy: body.podname ?? '' };
    }
  } catch {
    // fall through to the error text
  }
  return { ok: false as const, error: 'Sorry, product reviews are currently unavailable for this book.' };
}

function html(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => resolve(new URLSearchParams(text)));
    req.on('error', reject);
  });
}

serve('productpage', async (req, res, url) => {
  if (url.pathname === '/') return html(res, 200, renderIndex());
  if (url.pathname === '/login' && req.method === 'POST') {
    const user = (await readForm(req)).get('username') ?? '';
    return html(res, 302, '', {
      location: '/productpage',
      'set-cookie': `user=${encodeURIComponent(user)}; Path=/`,
    });
  }
  if (url.pathname === '/logout') {
    return html(res, 302, '', { location: '/productpage', 'set-cookie': 'user=; Path=/; Max-Age=0' });
  }
  const headers = outboundHeaders(req);
  if (url.pathname === '/productpage') {
    const [d, r] = await Promise.all([details(0, headers), reviews(0, headers)]);
    return html(res, 200, renderProductPage({ user: userOf(req), details: d, reviews: r }));
  }
  const api = /^\/api\/v1\/products\/(\d+)\/(reviews|details)$/.exec(url.pathname);
  if (api) {
    const id = Number(api[1]);
    const r = api[2] === 'reviews' ? await reviews(id, headers) : await details(id, headers);
    return sendJson(res, r.ok ? 200 : 503, r.ok ? r.value : { error: r.error });
  }
  if (url.pathname === '/api/v1/products') {
    return sendJson(res, 200, [
      { id: 0, title: 'The Comedy of Errors', descriptionHtml: 'Wikipedia Summary' },
    ]);
  }
  sendJson(res, 404, { error: 'not found' });
});
