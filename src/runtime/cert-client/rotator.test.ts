// Tests the CertificateRotator on virtual time: renewal exactly at half-life with a new key and serial,
// retries with back-off after a failed renewal, and the sidecar secrets built from what it emits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { CertificateAuthority } from '../../controlplane/ca/authority.js';
import type { SignedChain } from './ca-client.js';
import { type CertificateRequester, CertificateRotator, type WorkloadCertificate } from './rotator.js';
import { secretsOf } from './workload-identity.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600 * 1000;

async function setup(clock: VirtualClock) {
  const ca = await CertificateAuthority.selfSigned({ clock });
  let calls = 0;
  let failNext = 0;
  const requester: CertificateRequester = async (csrPem, validitySeconds): Promise<SignedChain> => {
    calls++;
    if (failNext > 0) {
      failNext--;
      throw new Error('CA unreachable');
    }
    const issued = await ca.sign(
      csrPem,
      { namespace: 'default', serviceAccount: 'reviews' },
      validitySeconds,
    );
    return { certChainPem: issued.certChainPem, trustBundlePem: ca.trustBundlePem() };
  };
  return {
    ca,
    requester,
    calls: () => calls,
    failTimes: (n: number) => {
      failNext = n;
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (real time, at most 5 s) for key generation and signing, which run off the virtual clock. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await pause(10);
  assert.ok(condition(), 'condition not reached');
}

function nextCertificate(rotator: CertificateRotator): Promise<WorkloadCertificate> {
  return new Promise((resolve) => {
    const off = rotator.onCertificate((c) => {
      off();
      resolve(c);
    });
  });
}

test('a certificate is renewed at half-life, with a new key and serial', async () => {
  const clock = new VirtualClock(T0);
  const { requester, calls } = await setup(clock);
  const rotator = new CertificateRotator({ requestCertificate: requester, clock });
  const first = await rotator.start();
  assert.equal(first.spiffeId, 'spiffe://cluster.local/ns/default/sa/reviews');
  assert.equal(first.notAfter.getTime() - first.notBefore.getTime(), 24 * HOUR);
  assert.equal(rotator.renewalTime(first), T0 + 12 * HOUR);

  clock.advance(12 * HOUR - 1000);
  assert.equal(calls(), 1, 'nothing before half-life');
  const renewed = nextCertificate(rotator);
  clock.advance(1000);
  const second = await renewed;
  assert.equal(calls(), 2);
  assert.notEqual(second.serial, first.serial);
  assert.notEqual(second.privateKeyPem, first.privateKeyPem);
  assert.equal(second.notBefore.getTime(), T0 + 12 * HOUR);
  assert.equal(rotator.current, second);
  assert.ok(first.notAfter.getTime() > clock.now(), 'the old certificate is still valid at the swap');

  const third = nextCertificate(rotator);
  clock.advance(12 * HOUR);
  assert.equal((await third).notBefore.getTime(), T0 + 24 * HOUR);
  const [a, b] = await Promise.all([rotator.renewNow(), rotator.renewNow()]);
  assert.equal(a, b, 'concurrent renewals share one request');
  assert.equal(calls(), 4);
  rotator.stop();
  assert.equal(clock.pendingTimers, 0, 'stop cancels the renewal timer');
});

test('a failed renewal is retried with doubling back-off until it succeeds', async () => {
  const clock = new VirtualClock(T0);
  const { requester, calls, failTimes } = await setup(clock);
  const errors: unknown[] = [];
  const rotator = new CertificateRotator({
    requestCertificate: requester,
    clock,
    validitySeconds: 3600,
    retryInitialMs: 1000,
    onError: (e) => errors.push(e),
  });
  await rotator.start();
  failTimes(2);
  const renewed = nextCertificate(rotator);
  clock.advance(30 * 60 * 1000); // half of 1 h: first attempt fails
  await until(() => errors.length === 1);
  clock.advance(999);
  await pause(50);
  assert.equal(calls(), 2, 'the first retry waits 1 s');
  clock.advance(1); // retry after 1 s fails
  await until(() => errors.length === 2);
  clock.advance(1999);
  await pause(50);
  assert.equal(calls(), 3, 'the next retry waits 2 s');
  clock.advance(1);
  const cert = await renewed;
  assert.equal(calls(), 4);
  assert.equal(cert.notBefore.getTime(), T0 + 30 * 60 * 1000 + 3000);
  rotator.stop();
});

test('the emitted certificate becomes the `default` and `ROOTCA` secrets a sidecar names', async () => {
  const clock = new VirtualClock(T0);
  const { requester } = await setup(clock);
  const rotator = new CertificateRotator({ requestCertificate: requester, clock });
  const cert = await rotator.start();
  rotator.stop();
  assert.equal(cert.spiffeId, 'spiffe://cluster.local/ns/default/sa/reviews');
  assert.equal(cert.notAfter.getTime(), T0 + 24 * HOUR);
  const [workload, roots] = secretsOf(cert);
  assert.deepEqual(workload, {
    name: 'default',
    certificateChain: cert.certChainPem,
    privateKey: cert.privateKeyPem,
  });
  assert.deepEqual(roots, { name: 'ROOTCA', trustedCa: cert.rootsPem });
  assert.match(cert.rootsPem, /BEGIN CERTIFICATE/);
  assert.notEqual(cert.rootsPem, cert.certChainPem, 'roots are the CA, not the leaf');
});
