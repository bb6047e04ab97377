// node --test bench/test/: the hand-written MQTT packets of the idle head-units.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PacketReader, connectPacket, encodeLength, subscribePacket } from '../bridge/mqtt-wire.mjs';

test('remaining lengths use the variable byte encoding of MQTT 3.1.1 §2.2.3', () => {
  assert.deepEqual([...encodeLength(0)], [0x00]);
  assert.deepEqual([...encodeLength(127)], [0x7f]);
  assert.deepEqual([...encodeLength(128)], [0x80, 0x01]);
  assert.deepEqual([...encodeLength(16_383)], [0xff, 0x7f]);
  assert.deepEqual([...encodeLength(2_097_152)], [0x80, 0x80, 0x80, 0x01]);
});

test('CONNECT carries protocol level 4, user name and password flags, no clean session, and the fields in order', () => {
  const password = 'x'.repeat(300); // pushes the remaining length past one byte
  const bytes = connectPacket({ clientId: 'hu-1', username: 'hu-1', password, keepaliveSeconds: 60 });
  assert.equal(bytes[0], 0x10);
  const body = bytes.subarray(3); // two length bytes
  assert.equal(bytes[1] + (bytes[2] & 0x7f) * 128 - 0x80, body.length);
  assert.equal(body.subarray(2, 6).toString(), 'MQTT');
  assert.equal(body[6], 4);
  assert.equal(body[7], 0xc0);
  assert.equal(body.readUInt16BE(8), 60);
  assert.equal(body.readUInt16BE(10), 4);
  assert.equal(body.subarray(12, 16).toString(), 'hu-1');
  assert.equal(body.subarray(body.length - 300).toString(), password);
});

test('SUBSCRIBE has the reserved flags 0010, the packet id, the filter and the QoS', () => {
  const bytes = subscribePacket(7, 'a/+', 1);
  assert.deepEqual([...bytes], [0x82, 8, 0, 7, 0, 3, 0x61, 0x2f, 0x2b, 1]);
});

test('the reader splits packets that arrive together and packets cut across chunks', () => {
  const seen = [];
  const reader = new PacketReader((type, flags, body) => seen.push([type, flags, [...body]]));
  const connack = [0x20, 0x02, 0x00, 0x00];
  const suback = [0x90, 0x03, 0x00, 0x01, 0x01];
  reader.feed(Buffer.from([...connack, ...suback.slice(0, 2)]));
  assert.equal(seen.length, 1);
  reader.feed(Buffer.from(suback.slice(2)));
  reader.feed(Buffer.from([0xd0]));
  reader.feed(Buffer.from([0x00]));
  assert.deepEqual(seen, [
    [2, 0, [0, 0]],
    [9, 0, [0, 1, 1]],
    [13, 0, []],
  ]);
});
