// BookInfo details: the book's publication facts, as JSON.
import { sendJson, serve } from './common.js';

serve('details', (_req, res, url) => {
  const m = /^\/details\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 404, { error: 'please provide numeric product id' });
  sendJson(res, 200, {
    id: Number(m[1]),
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  });
});
