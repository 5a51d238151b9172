// BookInfo reviews: two reviews of the book. v1 shows no stars; v2 (black) and v3 (red) add the stars from
// the ratings service, or say it is unavailable. The version comes from $SERVICE_VERSION.
import { forwardedHeaders, getJson, sendJson, serve, serviceUrl } from './common.js';

const version = process.env.SERVICE_VERSION ?? 'v1';
const starColor = version === 'v2' ? 'black' : version === 'v3' ? 'red' : undefined;
const ratingsUrl = serviceUrl('ratings');
/** The original calls ratings with a 10 s timeout (v2) and 2.5 s (v3). */
const ratingsTimeoutMs = version === 'v3' ? 2500 : 10_000;
const REVIEWS = [
  {
    reviewer: 'Reviewer1',
    text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!',
  },
  {
    reviewer: 'Reviewer2',
    text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
  },
];

serve(`reviews-${version}`, async (req, res, url) => {
  const m = /^\/reviews\/(\d+)$/.exec(url.pathname);
  if (!m) return sendJson(res, 400, { error: 'please provide numeric product ID' });
  const id = Number(m[1]);
  let ratings: Record<string, number> | undefined;
  let ratingsError: string | undefined;
  if (starColor) {
    try {
      const r = await getJson(`${ratingsUrl}/ratings/${id}`, forwardedHeaders(req), ratingsTimeoutMs);
      if (r.status === 200) ratings = (r.body as { ratings?: Record<string, number> }).ratings;
      else ratingsError = 'Ratings service is currently unavailable';
    } catch {
      ratingsError = 'Ratings service is currently unavailable';
    }
  }
  sendJson(res, 200, {
    id,
    podname: process.env.HOSTNAME ?? `reviews-${version}`,
    clustername: 'null',
    reviews: REVIEWS.map((r) => ({
      ...r,
      ...(starColor
        ? {
            rating: ratings ? { stars: ratings[r.reviewer] ?? 0, color: starColor } : { error: ratingsError },
          }
        : {}),
    })),
  });
});
