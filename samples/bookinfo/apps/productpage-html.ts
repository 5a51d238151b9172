// The productpage's HTML: the book, its details table, and its reviews with black or red stars.

export interface Review {
  reviewer: string;
  text: string;
  rating?: { stars?: number; color?: string; error?: string };
}

type Part<T> = { ok: true; value: T; servedBy?: string } | { ok: false; error: string };

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const page = (title: string, body: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table td{padding:.2em 1em}.stars-black{color:#000}.stars-red{color:#c00}blockquote{border-left:3px solid #ccc;margin:1em 0;padding-left:1em}</style>
</head><body>${body}</body></html>`;

export function renderIndex(): string {
  return page(
    'Simple Bookstore App',
    `<h1>Hello! This is a simple bookstore application consisting of three services as shown below</h1>
<p>productpage → details, reviews → ratings</p><p><a href="/productpage">Normal user</a></p>`,
  );
}

function stars(r: Review): string {
  if (!r.rating) return '';
  if (r.rating.error) return `<p class="ratings-error"><font color="red">${esc(r.rating.error)}</font></p>`;
  const n = r.rating.stars ?? 0;
  const color = r.rating.color === 'red' ? 'red' : 'black';
  return `<p class="stars stars-${color}" data-stars="${n}">${'★'.repeat(n)}${'☆'.repeat(5 - n)}</p>`;
}

export function renderProductPage(p: {
  user?: string;
  details: Part<Record<string, unknown>>;
  reviews: Part<Review[]>;
}): string {
  const login = p.user
    ? `<p>Signed in as <b id="user">${esc(p.user)}</b> · <a href="/logout">sign out</a></p>`
    : `<form method="post" action="/login"><input name="username" placeholder="User name"><button>Sign in</button></form>`;
  const details = p.details.ok
    ? `<table id="details">${Object.entries(p.details.value)
        .filter(([k]) => k !== 'id')
        .map(([k, v]) => `<tr><td><b>${esc(k)}</b></td><td>${esc(v)}</td></tr>`)
        .join('')}</table>`
    : `<p class="error">${esc(p.details.error)}</p>`;
  const reviews = p.reviews.ok
    ? `${p.reviews.value
        .map(
          (r) => `<blockquote><p>${esc(r.text)}</p><small>${esc(r.reviewer)}</small>${stars(r)}</blockquote>`,
        )
        .join(
          '',
        )}<p><small>Reviews served by: <span id="served-by">${esc(p.reviews.servedBy ?? '')}</span></small></p>`
    : `<p class="error">${esc(p.reviews.error)}</p>`;
  return page(
    'Simple Bookstore App',
    `${login}<h1>The Comedy of Errors</h1>
<p>Summary: The Comedy of Errors is one of William Shakespeare's early plays.</p>
<h2>Book Details</h2>${details}<h2>Book Reviews</h2>${reviews}`,
  );
}
