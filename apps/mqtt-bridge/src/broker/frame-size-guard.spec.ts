import { PassThrough } from 'node:stream';
import { MqttFrameScanner, guardFrameSize } from './frame-size-guard';

describe('MQTT frame size scanner', () => {
  it('accepts packets up to the limit, split across chunks anywhere', () => {
    const packet = Buffer.concat([Buffer.from([0x30, 0x80, 0x01]), Buffer.alloc(128)]); // remaining length 128
    const scanner = new MqttFrameScanner(128);
    for (let i = 0; i < 3; i++) for (const byte of packet) expect(scanner.push(Buffer.from([byte]))).toBe(true);
  });

  it('refuses as soon as the remaining length field exceeds the limit, before the body', () => {
    const scanner = new MqttFrameScanner(1000);
    expect(scanner.push(Buffer.from([0xc0, 0x00]))).toBe(true); // PINGREQ
    expect(scanner.push(Buffer.from([0x30, 0xe9, 0x07]))).toBe(false); // 1001
  });

  it('refuses a remaining length longer than four bytes [MQTT-2.2.3]', () => {
    expect(new MqttFrameScanner(Number.MAX_SAFE_INTEGER).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(
      false,
    );
  });

  it('destroys a guarded stream that announces an oversized packet', () => {
    const stream = new PassThrough();
    let exceeded = 0;
    guardFrameSize(stream, 10, () => exceeded++);
    stream.write(Buffer.from([0x30, 0x05, 1, 2, 3, 4, 5]));
    expect(stream.read()).toEqual(Buffer.from([0x30, 0x05, 1, 2, 3, 4, 5]));
    stream.write(Buffer.from([0x30, 0x0b]));
    expect(stream.read()).toBeNull();
    expect(exceeded).toBe(1);
    expect(stream.destroyed).toBe(true);
  });
});
