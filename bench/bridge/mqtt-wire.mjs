// The few MQTT 3.1.1 packets an idle head-unit needs, written and read by hand so that one
// load-generator process can hold thousands of connections cheaply (a socket and a small
// parser each, where an mqtt.js client carries a store, timers and streams).

const PROTOCOL_NAME = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]); // "MQTT"

/** MQTT 3.1.1 §2.2.3: the remaining length as a variable byte integer. */
export function encodeLength(length) {
  const bytes = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its two-byte length (MQTT 3.1.1 §1.5.3). */
function str(value) {
  const bytes = Buffer.from(value, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function packet(firstByte, body) {
  return Buffer.concat([Buffer.from([firstByte]), encodeLength(body.length), body]);
}

/**
 * CONNECT (MQTT 3.1.1 §3.1) with client id, user name and password; `clean` false keeps a
 * persistent session, as the device client library does.
 */
export function connectPacket({ clientId, username, password, keepaliveSeconds, clean = false }) {
  const flags = 0x80 | 0x40 | (clean ? 0x02 : 0);
  const header = Buffer.concat([
    PROTOCOL_NAME,
    Buffer.from([0x04, flags, keepaliveSeconds >> 8, keepaliveSeconds & 0xff]),
  ]);
  return packet(0x10, Buffer.concat([header, str(clientId), str(username), str(password)]));
}

/** SUBSCRIBE (§3.8) of one topic filter. */
export function subscribePacket(packetId, filter, qos) {
  return packet(0x82, Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(filter), Buffer.from([qos])]));
}

/** PUBACK (§3.4). */
export function pubackPacket(packetId) {
  return Buffer.from([0x40, 0x02, packetId >> 8, packetId & 0xff]);
}

/** PINGREQ (§3.12). */
export const PINGREQ = Buffer.from([0xc0, 0x00]);

/**
 * Splits a byte stream into packets: `feed(chunk)` calls `onPacket(type, flags, body)` for each
 * complete packet (type = the upper nibble of the first byte).
 */
export class PacketReader {
  #buffer = Buffer.alloc(0);

  constructor(onPacket) {
    this.onPacket = onPacket;
  }

  feed(chunk) {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      const buf = this.#buffer;
      if (buf.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      for (;;) {
        if (offset >= buf.length) return; // length incomplete
        const byte = buf[offset++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
        if (offset > 4) throw new Error('malformed remaining length');
      }
      if (buf.length < offset + length) return;
      const body = buf.subarray(offset, offset + length);
      this.#buffer = buf.subarray(offset + length);
      this.onPacket(buf[0] >> 4, buf[0] & 0x0f, body);
    }
  }
}
