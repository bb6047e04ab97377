// The AsyncAPI 3.0 document of the MQTT device protocol (docs/asyncapi.yaml). The prose, topics,
// operations and examples are written here; every payload schema comes from @onboard/mqtt-contract
// (payload-schemas.ts), the same schemas the bridge and the device client validate with. Run
// `npm run docs:asyncapi` after changing either; test/asyncapi fails while the committed file
// differs from what this builds.
import {
  AckSchema,
  CancelSchema,
  CONNECT_CREDENTIAL_TYPE,
  ErrorResultSchema,
  MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS,
  ProtocolErrorSchema,
  RefreshRequestSchema,
  RequestIdSchema,
  ResultAckSchema,
  ResultSchema,
  SEALED_PAYLOAD_ALG,
  SEALED_PAYLOAD_CONTENT_TYPE,
  SEALED_PAYLOAD_ENC,
  SealedPayloadSchema,
  StatusSchema,
  TokenResultSchema,
  VerificationRequestSchema,
  replyTopic,
  requestTopic,
  type BridgeMessageType,
  type DeviceMessageType,
} from '@onboard/mqtt-contract';
import { stringify } from 'yaml';

/** A TypeBox schema as plain JSON (TypeBox keeps its own markers in symbol keys). */
const plain = (schema: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

/** Component schemas, named once; message payloads refer to them. */
const schemas = {
  RequestId: RequestIdSchema,
  SealedPayload: SealedPayloadSchema,
  VerificationRequest: VerificationRequestSchema,
  Cancel: CancelSchema,
  RefreshRequest: RefreshRequestSchema,
  ResultAck: ResultAckSchema,
  Ack: AckSchema,
  Status: StatusSchema,
  TokenResult: TokenResultSchema,
  ErrorResult: ErrorResultSchema,
  Result: ResultSchema,
  ProtocolError: ProtocolErrorSchema,
};
type SchemaName = keyof typeof schemas;

const ref = (path: string) => ({ $ref: path });
const schemaRef = (name: SchemaName) => ref(`#/components/schemas/${name}`);

/** The channel address of a message type: the topic with `{deviceId}` as a parameter. */
const PARAMETER = 'hu-7f3a';
const address = (topic: string) => topic.replace(`/${PARAMETER}/`, '/{deviceId}/');

interface MessageSpec {
  /** Channel and message key. */
  key: string;
  title: string;
  summary: string;
  description: string;
  section: string;
  /** Sealed: the MQTT payload is a JWE; `plaintext` is the schema of the JSON inside. */
  sealed?: SchemaName;
  payload: SchemaName;
  examples: Array<{ name: string; summary: string; payload: unknown }>;
}

const JWE =
  'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJjdHkiOiJvbmJvYXJkLW1lc3NhZ2UranNvbiJ9.a2V5.aXY.Y2lwaGVydGV4dA.dGFn';
const REQUEST_ID = '5f0c2f8e-3b9e-4d7a-9a57-0f5f2d8f6c11';
const AUTH_REQ_ID = '1c266114-a1be-4252-8ad1-04986c5b9ac1';
const sealedNote = `The MQTT payload is sealed (docs/protocol.md §5a): a compact JWE to the bridge's encryption key (\`alg\` \`${SEALED_PAYLOAD_ALG}\`, \`enc\` \`${SEALED_PAYLOAD_ENC}\`, \`cty\` \`${SEALED_PAYLOAD_CONTENT_TYPE}\`). Its plaintext is the JSON object of \`x-plaintext\`; a clear payload is refused with \`invalid_message\`.`;

const deviceMessages: Record<DeviceMessageType, MessageSpec> = {
  verification: {
    key: 'verificationRequest',
    title: 'Verification request',
    summary: "Asks for the owner's approval (CIBA Core §7.1).",
    description: `Carries the device's signed authentication request object (encrypted to the provider, RFC 9101 §6.1) and a \`private_key_jwt\` client assertion, which the bridge relays unchanged to the provider's backchannel authentication endpoint. Answered by \`replies/ack\`, \`replies/result\` or \`replies/error\`. ${sealedNote}`,
    section: '6.1',
    sealed: 'VerificationRequest',
    payload: 'SealedPayload',
    examples: [{ name: 'sealed', summary: 'A sealed verification request', payload: JWE }],
  },
  cancel: {
    key: 'cancel',
    title: 'Cancellation',
    summary: 'Stops waiting for one of the device’s verification requests.',
    description:
      'Answered by a status `cancelled`, or `unknown_request` on `replies/error`. No result of the request is delivered afterwards. May be sent in clear or sealed.',
    section: '6.2',
    payload: 'Cancel',
    examples: [{ name: 'cancel', summary: 'Cancel a verification request', payload: { request_id: REQUEST_ID } }],
  },
  refresh: {
    key: 'refreshRequest',
    title: 'Token refresh',
    summary: 'Exchanges a refresh token over MQTT (RFC 6749 §6).',
    description: `The bridge relays the refresh token, the client assertion and the DPoP proof to the provider's token endpoint. Answered by \`replies/result\` with status \`refreshed\` or \`failed\`. ${sealedNote}`,
    section: '6.3',
    sealed: 'RefreshRequest',
    payload: 'SealedPayload',
    examples: [{ name: 'sealed', summary: 'A sealed refresh', payload: JWE }],
  },
  'result-ack': {
    key: 'resultAck',
    title: 'Result confirmation',
    summary: 'The device processed a result; the bridge stops redelivering it.',
    description: 'Never answered, not even when malformed. May be sent in clear or sealed.',
    section: '6.8',
    payload: 'ResultAck',
    examples: [{ name: 'confirm', summary: 'Confirm a result', payload: { request_id: REQUEST_ID } }],
  },
};

const bridgeMessages: Record<BridgeMessageType, MessageSpec> = {
  ack: {
    key: 'ack',
    title: 'Acknowledgement',
    summary: 'The provider accepted the verification request (CIBA Core §7.3).',
    description:
      "The owner is being asked. The device checks `auth_req_id` against the ID token's `urn:openid:params:jwt:claim:auth_req_id`.",
    section: '6.4',
    payload: 'Ack',
    examples: [
      {
        name: 'ack',
        summary: 'Accepted, five minutes to answer',
        payload: { request_id: REQUEST_ID, auth_req_id: AUTH_REQ_ID, expires_in: 300 },
      },
    ],
  },
  status: {
    key: 'status',
    title: 'Status change',
    summary: 'The verification request changed state; information only.',
    description:
      'The bridge sends only `cancelled`, as the answer to a cancellation; the other values are reserved within v1.',
    section: '6.5',
    payload: 'Status',
    examples: [
      {
        name: 'cancelled',
        summary: 'Answer to a cancellation',
        payload: { request_id: REQUEST_ID, status: 'cancelled' },
      },
    ],
  },
  result: {
    key: 'result',
    title: 'Result',
    summary: 'The final outcome of a verification request or a refresh.',
    description:
      "Stored by the bridge and delivered on every connection until the device confirms it with `requests/result-ack`. Tokens travel only inside `encrypted_token_response`, a JWE encrypted by the provider to the device's encryption key.",
    section: '6.6',
    payload: 'Result',
    examples: [
      {
        name: 'approved',
        summary: 'The owner approved',
        payload: {
          request_id: REQUEST_ID,
          auth_req_id: AUTH_REQ_ID,
          status: 'approved',
          encrypted_token_response: JWE,
        },
      },
      {
        name: 'denied',
        summary: 'The owner denied',
        payload: {
          request_id: REQUEST_ID,
          auth_req_id: AUTH_REQ_ID,
          status: 'denied',
          error: 'access_denied',
          error_description: 'the owner denied the request',
        },
      },
      {
        name: 'refresh-failed',
        summary: 'A refresh token refused',
        payload: { request_id: 'c4b0b7f1-2f35-4a8e-8f7e-4a4c3b6b0d2e', status: 'failed', error: 'invalid_grant' },
      },
    ],
  },
  error: {
    key: 'protocolError',
    title: 'Protocol error',
    summary: 'The bridge could not process a message.',
    description: '`error_description` says which check failed; it is text for logs, not a stable interface.',
    section: '6.7',
    payload: 'ProtocolError',
    examples: [
      {
        name: 'not-json',
        summary: 'A payload that is not JSON',
        payload: { request_id: null, error: 'invalid_message', error_description: 'payload is not UTF-8 JSON' },
      },
    ],
  },
};

const mqttOperationBinding = { mqtt: { qos: 1, retain: false, bindingVersion: '0.2.0' } };

/** The AsyncAPI document as an object. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const add = (spec: MessageSpec, topic: string, action: 'receive' | 'send') => {
    channels[spec.key] = {
      address: address(topic),
      title: spec.title,
      description: `docs/protocol.md §${spec.section}.`,
      parameters: { deviceId: ref('#/components/parameters/deviceId') },
      messages: { [spec.key]: ref(`#/components/messages/${spec.key}`) },
    };
    operations[`${action}${spec.key[0].toUpperCase()}${spec.key.slice(1)}`] = {
      action,
      channel: ref(`#/channels/${spec.key}`),
      summary: action === 'receive' ? `A device publishes: ${spec.summary}` : `The bridge publishes: ${spec.summary}`,
      messages: [ref(`#/channels/${spec.key}/messages/${spec.key}`)],
      bindings: mqttOperationBinding,
    };
    messages[spec.key] = {
      name: spec.key,
      title: spec.title,
      summary: spec.summary,
      description: spec.description,
      contentType: spec.sealed ? 'application/jose' : 'application/json',
      payload: schemaRef(spec.payload),
      ...(spec.sealed ? { 'x-plaintext': schemaRef(spec.sealed) } : {}),
      examples: spec.examples,
    };
  };
  for (const [type, spec] of Object.entries(deviceMessages)) {
    add(spec, requestTopic(PARAMETER, type as DeviceMessageType), 'receive');
  }
  for (const [type, spec] of Object.entries(bridgeMessages)) {
    add(spec, replyTopic(PARAMETER, type as BridgeMessageType), 'send');
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Onboard MQTT device protocol',
      version: '1',
      description: [
        'The contract between a head-unit (the device) and the Onboard MQTT bridge, seen from the bridge: it receives what devices publish under `requests/` and sends replies under `replies/`.',
        'docs/protocol.md is the readable guide (connecting, idempotency, delivery, sealed payloads, error codes, limits); this document gives every topic and the JSON Schema of every payload.',
        'The schemas are generated from `@onboard/mqtt-contract` (`npm run docs:asyncapi`), which the bridge and the device client validate every message with. Unknown members are ignored within v1.',
      ].join('\n\n'),
      license: { name: 'UNLICENSED' },
    },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: 'bridge.example.com:8883',
        protocol: 'secure-mqtt',
        protocolVersion: '3.1.1',
        description: 'MQTT over TLS 1.2 or later (`BRIDGE_MQTTS_PORT`). Use TLS in production.',
        security: [
          ref('#/components/securitySchemes/connectCredential'),
          ref('#/components/securitySchemes/deviceCertificate'),
        ],
        bindings: { mqtt: { cleanSession: false, keepAlive: 60, bindingVersion: '0.2.0' } },
      },
      websocket: {
        host: 'bridge.example.com',
        pathname: '/mqtt',
        protocol: 'wss',
        protocolVersion: '3.1.1',
        description: 'MQTT over WebSocket (`BRIDGE_WS_PORT`, `BRIDGE_WS_PATH`).',
        security: [ref('#/components/securitySchemes/connectCredential')],
      },
      development: {
        host: 'localhost:1884',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description: 'MQTT over TCP (`BRIDGE_MQTT_PORT`, default 1884), for development.',
        security: [ref('#/components/securitySchemes/connectCredential')],
      },
    },
    channels,
    operations,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, plain(schema)])),
      messages,
      parameters: {
        deviceId: {
          description:
            'The device id given at registration (= MQTT client id and CIBA client id): 1 to 64 characters from A-Z a-z 0-9 _ -, starting with a letter or digit. Never personal data (no VIN, plate, name or e-mail address).',
          examples: [PARAMETER],
        },
      },
      securitySchemes: {
        connectCredential: {
          type: 'userPassword',
          description: `CONNECT with client id and user name = the device id and, as password, a connect credential (docs/protocol.md §2.3): a JWT signed with the device's registered key (\`ES256\`, or \`EdDSA\` / \`Ed25519\`), header \`typ\` \`${CONNECT_CREDENTIAL_TYPE}\`, claims \`iss\` = \`sub\` = device id, \`aud\` = the bridge's audience (\`BRIDGE_AUDIENCE\`, default \`urn:onboard:mqtt-bridge\`), \`iat\`, \`exp\` at most ${MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS} s later, and a \`jti\` accepted once. Create a fresh one for every connection attempt. Refusals: CONNACK 2, 4 or 5 (docs/protocol.md §2.4).`,
        },
        deviceCertificate: {
          type: 'X509',
          description:
            "Mutual TLS instead of the connect credential, on the TLS listener with client certificates enabled (`BRIDGE_TLS_CLIENT_CERTS`): a certificate whose public key is the device's registered signing key, or whose subject CN is the device id, signed by the device CA (`BRIDGE_TLS_CA_FILE`).",
        },
      },
    },
  };
}

/** The document as YAML, as committed in docs/asyncapi.yaml (before Prettier). */
export function renderAsyncApiYaml(): string {
  const header =
    '# Generated by `npm run docs:asyncapi` from scripts/asyncapi/asyncapi-document.ts and the payload\n' +
    '# schemas of libs/mqtt-contract. Do not edit by hand.\n';
  return header + stringify(buildAsyncApiDocument(), { aliasDuplicateObjects: false, lineWidth: 0 });
}
