// A load-generator process for the idle-connection measurement (forked by
// bench/bridge/idle.mjs). It plays `count` head-units that connect and then stay idle:
// keys generated here (ES256 signing key, X25519 encryption key), a fresh connect
// credential per connection signed with the contract library (`signConnectCredential`),
// a raw MQTT 3.1.1 CONNECT + SUBSCRIBE to the device's replies (as the device library
// sends them), then PINGREQ at the keep-alive interval.
//
// Protocol with the parent (IPC): first `{ type: 'online' }` from the worker, then
//   { type: 'keys', count, prefix }  -> { type: 'keys-done', registrations: [{ device_id, jwks }] }
//   { type: 'connect', host, port, localAddress, audience, inFlight, keepaliveSeconds, root, from, to }
//                                    -> { type: 'progress', connected } ...
//                                    -> { type: 'connect-done', connected, failed, errors, startedAt, finishedAt }
//                                       (devices [from, to) of this process; all by default)
//   { type: 'count' }                -> { type: 'count', open }   (sockets still open)
//   { type: 'stop' }                 closes every socket and exits
import { createECDH, createPrivateKey, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { PINGREQ, PacketReader, connectPacket, pubackPacket, subscribePacket } from './mqtt-wire.mjs';

const require = createRequire(import.meta.url);
/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const epochMs = () => performance.timeOrigin + performance.now();

let devices = [];
const sockets = new Set();

/** PKCS #8 (RFC 8410) header of an X25519 private key; the 32-byte key follows. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * A P-256 and an X25519 key pair from fresh random private keys. (generateKeyPairSync stalls
 * after a few thousand keys in one process on this machine, so the public keys are derived
 * from random scalars instead; the keys are the same kind a device generates.)
 */
function deviceKeys() {
  let sigPrivate;
  for (;;) {
    const d = randomBytes(32);
    const ecdh = createECDH('prime256v1');
    try {
      ecdh.setPrivateKey(d); // refuses the rare scalar outside [1, n-1]
    } catch {
      continue;
    }
    const point = ecdh.getPublicKey(); // 0x04 || x || y
    sigPrivate = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
        d: d.toString('base64url'),
      },
    });
    break;
  }
  const encPrivate = createPrivateKey({
    format: 'der',
    type: 'pkcs8',
    key: Buffer.concat([X25519_PKCS8_PREFIX, randomBytes(32)]),
  });
  return { sigPrivate, sigPublic: createPublicKey(sigPrivate), encPublic: createPublicKey(encPrivate) };
}

function generate(count, prefix) {
  devices = [];
  const registrations = [];
  for (let i = 0; i < count; i++) {
    const keys = deviceKeys();
    const deviceId = `${prefix}-${i}`;
    devices.push({ deviceId, privateKey: keys.sigPrivate });
    registrations.push({
      device_id: deviceId,
      jwks: {
        keys: [
          { ...keys.sigPublic.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' },
          { ...keys.encPublic.export({ format: 'jwk' }), use: 'enc', alg: 'ECDH-ES+A256KW' },
        ],
      },
    });
  }
  return registrations;
}

/** One head-unit: connect, authenticate, subscribe; resolves when SUBACK arrives. */
async function connectOne(device, options, contract) {
  const password = await contract.signConnectCredential({
    deviceId: device.deviceId,
    privateKey: device.privateKey,
    alg: 'ES256',
    audience: options.audience,
    jti: randomUUID(),
    now: Date.now(),
  });
  return new Promise((resolvePromise, reject) => {
    const socket = tcpConnect({ host: options.host, port: options.port, localAddress: options.localAddress });
    socket.setNoDelay(true);
    let settled = false;
    const done = (err) => {
      if (settled) return;
      settled = true;
      if (err) {
        socket.destroy();
        reject(err);
      } else resolvePromise();
    };
    const reader = new PacketReader((type, _flags, body) => {
      if (type === 2) {
        // CONNACK: body[1] is the return code (0 = accepted)
        if (body[1] !== 0) return done(new Error(`CONNACK ${body[1]}`));
        socket.write(subscribePacket(1, `onboard/v1/devices/${device.deviceId}/replies/+`, 1));
      } else if (type === 9) {
        // SUBACK: 0x80 = refused
        if (body[2] === 0x80) return done(new Error('SUBACK refused'));
        sockets.add(socket);
        // keep-alive (MQTT 3.1.1 §3.1.2.10): one PINGREQ per interval, jittered
        const interval = options.keepaliveSeconds * 1000;
        const ping = () => {
          if (socket.destroyed) return;
          socket.write(PINGREQ);
          socket.pingTimer = setTimeout(ping, interval * (0.8 + Math.random() * 0.15));
        };
        socket.pingTimer = setTimeout(ping, interval * (0.5 + Math.random() * 0.45));
        done();
      } else if (type === 3 && ((_flags >> 1) & 3) === 1) {
        // a QoS 1 PUBLISH (not expected for a fresh device): acknowledge it
        const topicLength = body.readUInt16BE(0);
        socket.write(pubackPacket(body.readUInt16BE(2 + topicLength)));
      }
    });
    socket.on('data', (chunk) => {
      try {
        reader.feed(chunk);
      } catch (err) {
        done(err);
      }
    });
    socket.on('error', (err) => done(err));
    socket.on('close', () => {
      clearTimeout(socket.pingTimer);
      sockets.delete(socket);
      done(new Error('closed before SUBACK'));
    });
    socket.on('connect', () =>
      socket.write(
        connectPacket({
          clientId: device.deviceId,
          username: device.deviceId,
          password,
          keepaliveSeconds: options.keepaliveSeconds,
        }),
      ),
    );
  });
}

async function connectAll(options) {
  const contract = require(resolve(options.root, 'dist/libs/mqtt-contract/src/index.js'));
  // this phase connects devices[from, to)
  const to = Math.min(devices.length, options.to ?? devices.length);
  let next = options.from ?? 0;
  let connected = 0;
  let failed = 0;
  const errors = {};
  const startedAt = epochMs();
  let lastReport = 0;
  const lane = async () => {
    while (next < to) {
      const device = devices[next++];
      try {
        await connectOne(device, options, contract);
        connected++;
      } catch (err) {
        failed++;
        errors[err.message] = (errors[err.message] ?? 0) + 1;
      }
      if (connected - lastReport >= 1000) {
        lastReport = connected;
        process.send({ type: 'progress', connected });
      }
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, lane));
  return { connected, failed, errors, startedAt, finishedAt: epochMs() };
}

process.on('message', async (message) => {
  try {
    if (message?.type === 'keys') {
      process.send({ type: 'keys-done', registrations: generate(message.count, message.prefix) });
    } else if (message?.type === 'connect') {
      process.send({ type: 'connect-done', ...(await connectAll(message)) });
    } else if (message?.type === 'count') {
      process.send({ type: 'count', open: sockets.size });
    } else if (message?.type === 'stop') {
      for (const socket of sockets) {
        clearTimeout(socket.pingTimer);
        socket.destroy();
      }
      process.exit(0);
    }
  } catch (err) {
    process.send({ type: 'failed', error: String(err?.stack ?? err) });
  }
});
process.on('disconnect', () => process.exit(0));
// An ES module's listener is attached only after its imports loaded; a message that arrives
// earlier is lost, so the parent waits for this before it sends anything.
process.send({ type: 'online' });
