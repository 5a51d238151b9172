// Tests the IstioCertificateService messages: real protobuf field numbers on the wire and round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './ca-messages.js';

test('the request encodes csr as field 1, validity_duration as 3 and metadata as 4', () => {
  const bytes = encodeRequest({ csr: 'C', validityDurationSeconds: 300, metadata: { a: 'b' } });
  assert.deepEqual([...bytes.subarray(0, 3)], [0x0a, 0x01, 0x43], 'field 1, length 1, "C"');
  assert.deepEqual([...bytes.subarray(3, 6)], [0x18, 0xac, 0x02], 'field 3 varint 300');
  assert.equal(bytes[6], 0x22, 'field 4, length-delimited Struct');
  assert.deepEqual(decodeRequest(bytes), { csr: 'C', validityDurationSeconds: 300, metadata: { a: 'b' } });
});

test('the response round-trips its repeated cert_chain', () => {
  const bytes = encodeResponse({ certChain: ['leaf', 'root'] });
  assert.equal(bytes[0], 0x0a);
  assert.deepEqual(decodeResponse(bytes), { certChain: ['leaf', 'root'] });
  assert.deepEqual(decodeRequest(Buffer.alloc(0)), { csr: '', validityDurationSeconds: 0, metadata: {} });
});
