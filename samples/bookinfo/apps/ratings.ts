// BookInfo ratings: the stars each reviewer gave, as JSON.
import { sendJson, serve } from './common.js';

serve('ratings', (_req, res, url) => {
  const m = /^\/ratings\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 400, { error: 'please provide numeric product ID' });
  sendJson(res, 200, { id: Number(m[1]), ratings: { Reviewer1: 5, Reviewer2: 4 } });
});
