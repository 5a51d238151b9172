// Tests bootstrap tokens: issue and verify, and refusal of expired, foreign-key, wrong-audience and
// non-service-account tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { VirtualClock } from '../../common/clock.js';
import {
  AuthenticationError,
  BootstrapTokenIssuer,
  bearerToken,
  generateTokenKey,
  JwtAuthenticator,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  tokenKeyFromPem,
  tokenKeyToPem,
} from './token.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

test('a token proves its service account, in Kubernetes token shape', async () => {
  const clock = new VirtualClock(T0);
  const key = await generateTokenKey();
  const token = await new BootstrapTokenIssuer(key.privateKey, clock).issue('default', 'reviews', 3600);
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(payload.iss, 'trellis');
  assert.equal(payload.aud, 'trellis-ca');
  assert.equal(payload.sub, 'system:serviceaccount:default:reviews');
  assert.equal(payload.exp, T0 / 1000 + 3600);
  const caller = await new JwtAuthenticator(key.publicKey, clock).authenticate(token);
  assert.deepEqual(caller, { namespace: 'default', serviceAccount: 'reviews' });
});

test('expired tokens and tokens signed by another key are refused', async () => {
  const clock = new VirtualClock(T0);
  const key = await generateTokenKey();
  const authn = new JwtAuthenticator(key.publicKey, clock);
  const token = await new BootstrapTokenIssuer(key.privateKey, clock).issue('default', 'reviews', 60);
  clock.advance(61_000);
  await assert.rejects(authn.authenticate(token), AuthenticationError);
  const other = await generateTokenKey();
  const forged = await new BootstrapTokenIssuer(other.privateKey, clock).issue('default', 'reviews');
  await assert.rejects(authn.authenticate(forged), /signature verification failed/);
  await assert.rejects(authn.authenticate('garbage'), AuthenticationError);
});

test('tokens for another audience or without a service-account subject are refused', async () => {
  const key = await generateTokenKey();
  const authn = new JwtAuthenticator(key.publicKey);
  const sign = (claims: { aud: string; sub: string }) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setExpirationTime('1h')
      .sign(key.privateKey);
  await assert.rejects(
    authn.authenticate(await sign({ aud: 'other', sub: 'system:serviceaccount:a:b' })),
    /aud/,
  );
  await assert.rejects(
    authn.authenticate(await sign({ aud: TOKEN_AUDIENCE, sub: 'admin' })),
    /not a service account/,
  );
});

test('the token key survives a PEM round trip', async () => {
  const key = await generateTokenKey();
  const pem = await tokenKeyToPem(key);
  assert.match(pem.privateKeyPem, /BEGIN PRIVATE KEY/);
  const back = await tokenKeyFromPem(pem.privateKeyPem, pem.publicKeyPem);
  const token = await new BootstrapTokenIssuer(back.privateKey).issue('a', 'b');
  assert.deepEqual(await new JwtAuthenticator(key.publicKey).authenticate(token), {
    namespace: 'a',
    serviceAccount: 'b',
  });
});

test('bearer tokens are read from the authorization header', () => {
  assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  assert.equal(bearerToken('bearer  x'), 'x');
  assert.equal(bearerToken('Basic abc'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
