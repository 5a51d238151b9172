// Tests the root expiry watch on virtual time: no rotation early in the root's life, a staged rotation
// once the grace period starts, and none for supplied CA files.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { CertificateAuthority } from './authority.js';
import { writeIntermediatePki } from './ca-fixtures.test-util.js';
import { rootNeedsRotation, watchRootExpiry } from './root-watch.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

test('the root is rotated once less than 20 % of its lifetime is left', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({ clock, rootTtlMs: 100 * DAY });
  const first = ca.root.serialNumber;
  let rotations = 0;
  const rotated = new Promise<void>((resolve) => {
    const stop = watchRootExpiry(ca, {
      clock,
      checkIntervalMs: DAY,
      onRotate: () => {
        rotations++;
        stop();
        resolve();
      },
    });
  });
  // Day by day, letting each check finish (it re-arms after its promise settles).
  for (let day = 0; day < 79; day++) {
    clock.advance(DAY);
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(rotations, 0, 'still 21 % left');
  assert.equal(rootNeedsRotation(ca, clock.now()), false);
  clock.advance(DAY);
  await new Promise((r) => setImmediate(r));
  clock.advance(DAY);
  await rotated;
  assert.notEqual(ca.root.serialNumber, first);
  assert.equal(
    ca.root.notAfter.getTime() - ca.root.notBefore.getTime(),
    100 * DAY,
    'the new root has the same lifetime',
  );
  assert.equal(ca.trustBundlePem().length, 2, 'the old root is kept for its leaves');
  ca.close();
});

test('a supplied CA is never rotated by the watch', async () => {
  const files = await writeIntermediatePki(T0);
  // Nine and a half years into the supplied root's ten: deep inside the grace period.
  const clock = new VirtualClock(T0 + 9.5 * 365 * DAY);
  const ca = await CertificateAuthority.fromFiles(files, { clock });
  assert.equal(rootNeedsRotation(ca, clock.now()), true);
  const errors: unknown[] = [];
  const stop = watchRootExpiry(ca, { clock, onError: (e) => errors.push(e) });
  clock.advance(1);
  await new Promise((r) => setTimeout(r, 20));
  stop();
  assert.deepEqual(errors, []);
  assert.equal(ca.selfSigned, false);
  assert.equal(clock.pendingTimers, 0, 'stopping clears the timer');
  await rm(files.dir, { recursive: true, force: true });
});
