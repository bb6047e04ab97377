import type { Readable } from 'node:stream';

/**
 * aedes 1.x has no packet size limit (moscajs/aedes#831) and buffers a whole PUBLISH before
 * handing it over, so a client could announce a 256 MB packet and make the broker hold it. This
 * scanner follows the MQTT fixed headers in the byte stream and reports the first packet whose
 * Remaining Length exceeds the limit, before its body arrives.
 */
export class MqttFrameScanner {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private multiplier = 1;
  private remaining = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** Feeds bytes; false as soon as a packet is too large or its length field is malformed. */
  push(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      if (this.state === 'header') {
        i += 1; // fixed header byte 1: packet type and flags; aedes checks them
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      // Remaining Length: at most four bytes of 7 bits, least significant first [MQTT-2.2.3]
      const byte = chunk[i++];
      this.length += (byte & 0x7f) * this.multiplier;
      if (this.length > this.maxRemainingLength) return false;
      if (byte & 0x80) {
        this.multiplier *= 128;
        if (this.multiplier > 128 ** 3) return false;
        continue;
      }
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'header' : 'body';
    }
    return true;
  }
}

/**
 * Makes `stream` refuse packets larger than `maxRemainingLength`: aedes reads its connection with
 * `read()`, so the bytes are observed there, without copying; an oversized packet destroys the
 * stream and calls `onExceeded`.
 */
export function guardFrameSize(stream: Readable, maxRemainingLength: number, onExceeded: () => void): void {
  const scanner = new MqttFrameScanner(maxRemainingLength);
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk: unknown = read(size);
    if (chunk instanceof Uint8Array && !scanner.push(chunk)) {
      onExceeded();
      stream.destroy();
      return null;
    }
    return chunk;
  };
}
