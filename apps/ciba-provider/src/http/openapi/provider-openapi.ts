import { ADMIN_BODIES, OWNER_DEVICE_BODIES } from '@onboard/ciba-core';
import { ownerAppPaths } from './owner-app-openapi';

/** `$ref` to a shared response of this document. */
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
/** `$ref` to a shared schema of this document. */
const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A required string path parameter. */
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
/** The client authentication methods of the OAuth endpoints. */
const CLIENT_AUTH = [{ clientSecretBasic: [] }, { clientSecretPost: [] }, { privateKeyJwt: [] }];
const ADMIN_AUTH = [{ admin: [] }];
const OWNER_DEVICE_AUTH = [{ ownerDevice: [] }];

/**
 * The JSON Schema of a request body as the document shows it: the TypeBox schema the endpoint
 * validates with, strict as validation is (no field beyond those declared).
 */
function body(schema: object): Record<string, unknown> {
  return { ...(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>), additionalProperties: false };
}

/**
 * The provider's HTTP API as an OpenAPI 3.1 document: served at /openapi.json (with the running
 * issuer as server) and written to docs/openapi.yaml by `npm run docs:openapi`. The admin API's
 * request bodies come from the schemas its endpoints validate with (`ADMIN_BODIES`), so the
 * document cannot drift from them; test/openapi checks the rest against real answers.
 */
export function providerOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Onboard CIBA provider',
      version: '0.1.0',
      summary:
        'OpenID Provider for Client-Initiated Backchannel Authentication (CIBA Core 1.0), its owner-device API and admin API.',
      description:
        'The HTTP API of `apps/ciba-provider`. Every endpoint URL is the issuer followed by the path\nbelow (the discovery document lists them); `servers` is filled in with the running\nprovider\'s issuer when this document is served at `/openapi.json`.\n\nConventions of every endpoint:\n- OAuth endpoints (`/backchannel`, `/token`, `/introspect`, `/revoke`, `/userinfo` POST) take\n  `application/x-www-form-urlencoded` bodies. Unknown parameters are ignored (RFC 6749 §3.1);\n  a parameter sent twice is `invalid_request`; an empty value counts as absent.\n- Errors are JSON `{"error": "...", "error_description": "..."}` (RFC 6749 §5.2) with\n  `Cache-Control: no-store`; 401 answers carry `WWW-Authenticate`. Anything unexpected is\n  `500 server_error` whose description holds an error id found in the provider\'s log.\n- Request bodies over 256 KiB get `413 invalid_request`; a known path called with the\n  wrong method gets `405 invalid_request` with an `Allow` header; an unknown path gets\n  `404 not_found`.\n- Success responses of OAuth and owner-device endpoints carry `Cache-Control: no-store`.\n',
      license: {
        name: 'UNLICENSED',
      },
    },
    servers: [
      {
        url: 'http://localhost:4000',
        description: 'local default (replaced by the running issuer in /openapi.json)',
      },
    ],
    tags: [
      {
        name: 'discovery',
        description: 'Provider metadata and keys (OpenID Connect Discovery 1.0, CIBA §4).',
      },
      {
        name: 'ciba',
        description: 'Backchannel authentication and the token endpoint (CIBA §7, §10, §11, §13).',
      },
      {
        name: 'tokens',
        description: 'Userinfo, introspection (RFC 7662), revocation (RFC 7009).',
      },
      {
        name: 'registration',
        description: 'Dynamic Client Registration (RFC 7591) with CIBA client metadata (CIBA §4).',
      },
      {
        name: 'owner-device',
        description:
          'The API an owner\'s authentication device (the phone app, the device simulator, a\nconformance suite acting as the owner) uses to see the requests that wait for its owner\nand to approve or deny them. Each device authenticates with its own bearer credential,\nissued once by `npm run admin -- owners add-device <sub>` or the admin API.\n\nA typical device loop:\n1. `GET /owner-device/v1/requests?wait=25` — returns at once if requests are pending,\n   otherwise holds the call open until one arrives (or 25 s pass, then `{"requests": []}`).\n2. Show each request\'s `client_name`, `binding_message`, `scope` and\n   `authorization_details` to the owner; the binding message must match the one shown\n   on the consumption device (CIBA §7.1).\n3. `POST /owner-device/v1/requests/{id}/approve` (optionally with the `acr`/`amr` the\n   device verified) or `POST /owner-device/v1/requests/{id}/deny`.\n4. Repeat.\n',
      },
      {
        name: 'admin',
        description:
          'Administration of owners, owner devices, clients and keys over HTTP, enabled only when\n`ADMIN_TOKEN` is set; every call needs `Authorization: Bearer <ADMIN_TOKEN>`. The same\noperations are available offline through `npm run admin -- <command>`.\n',
      },
      {
        name: 'operations',
        description: 'Health, metrics and this document.',
      },
    ],
    paths: {
      ...ownerAppPaths('/owner-device/v1'),
      '/receipts': {
        post: {
          tags: ['tokens'],
          operationId: 'receipt',
          summary: 'The approval receipt of a request the owner approved with a passkey (docs/receipts.md)',
          description:
            "A JWS signed by the provider embedding the owner's WebAuthn assertion, the credential key and the committed fields; verify it offline with the JWKS (`npm run admin -- receipts verify`). Client authentication as at the token endpoint.",
          security: CLIENT_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['auth_req_id'],
                  properties: { auth_req_id: { type: 'string' } },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'The receipt.',
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['receipt'], properties: { receipt: { type: 'string' } } },
                },
              },
            },
            '400': response('InvalidRequest'),
            '401': response('InvalidClient'),
            '404': response('NotFound'),
          },
        },
      },
      '/.well-known/openid-configuration': {
        get: {
          tags: ['discovery'],
          operationId: 'getDiscovery',
          summary: 'OpenID Provider metadata (OIDC Discovery §3, CIBA §4, FAPI-CIBA)',
          responses: {
            '200': {
              description: 'The provider metadata.',
              content: {
                'application/json': {
                  schema: schema('ProviderMetadata'),
                  example: {
                    issuer: 'http://localhost:4000',
                    jwks_uri: 'http://localhost:4000/jwks',
                    token_endpoint: 'http://localhost:4000/token',
                    backchannel_authentication_endpoint: 'http://localhost:4000/backchannel',
                    userinfo_endpoint: 'http://localhost:4000/userinfo',
                    introspection_endpoint: 'http://localhost:4000/introspect',
                    revocation_endpoint: 'http://localhost:4000/revoke',
                    registration_endpoint: 'http://localhost:4000/register',
                    grant_types_supported: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
                    backchannel_token_delivery_modes_supported: ['poll', 'ping', 'push'],
                    backchannel_authentication_request_signing_alg_values_supported: ['PS256', 'ES256'],
                    backchannel_user_code_parameter_supported: true,
                    token_endpoint_auth_methods_supported: [
                      'private_key_jwt',
                      'client_secret_basic',
                      'client_secret_post',
                    ],
                    id_token_signing_alg_values_supported: ['ES256', 'PS256'],
                    dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
                    scopes_supported: ['openid', 'profile', 'email', 'phone', 'offline_access'],
                    subject_types_supported: ['public'],
                    response_types_supported: [],
                    acr_values_supported: ['urn:onboard:acr:passkey', 'urn:onboard:acr:device'],
                  },
                },
              },
            },
            '405': response('MethodNotAllowed'),
          },
        },
      },
      '/jwks': {
        get: {
          tags: ['discovery'],
          operationId: 'getJwks',
          summary:
            "The provider's public keys (signing keys, active and retired-but-still-valid, and the request-object encryption key)",
          description:
            'One signing key per alg (`use: sig`): RS256 and PS256 on RSA keys of their own, ES256 on\nP-256. After `keys rotate` the previous signing keys stay published until every token they\nsigned has expired, so tokens issued before a rotation still verify. Beside them the key\nclients encrypt request objects to (`use: enc`, `alg: ECDH-ES+A256KW`, P-256; RFC 9101\n§6.1); after `keys rotate` only the new one is published (docs/security.md).\n',
          responses: {
            '200': {
              description: 'A JSON Web Key Set (RFC 7517 §5), served as `application/jwk-set+json` (RFC 7517 §8.5.1).',
              content: {
                'application/jwk-set+json': {
                  schema: schema('Jwks'),
                  example: {
                    keys: [
                      {
                        kty: 'EC',
                        crv: 'P-256',
                        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
                        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
                        kid: 'es256-2026-01',
                        alg: 'ES256',
                        use: 'sig',
                      },
                      {
                        kty: 'EC',
                        crv: 'P-256',
                        x: 'Q0lCQS1yZXF1ZXN0LW9iamVjdC1lbmNyeXB0aW9uLWs',
                        y: 'ZXktZXhhbXBsZS1jb29yZGluYXRlLXktdmFsdWUtMDE',
                        kid: 'enc-2026-01',
                        alg: 'ECDH-ES+A256KW',
                        use: 'enc',
                      },
                    ],
                  },
                },
              },
            },
            '405': response('MethodNotAllowed'),
          },
        },
      },
      '/backchannel': {
        post: {
          tags: ['ciba'],
          operationId: 'backchannelAuthentication',
          summary: 'Backchannel Authentication Endpoint (CIBA §7)',
          description:
            "The client asks the provider to authenticate a user on that user's authentication\ndevice. The client authenticates as at the token endpoint. Either all authentication\nparameters are plain form parameters, or they are all inside a signed request object\n`request` (CIBA §7.1.1: `aud` = issuer, `iss` = client_id, `exp`, `iat`, `nbf`, `jti`,\nlifetime at most 60 minutes, `jti` single use). Exactly one of `login_hint`,\n`login_hint_token` and `id_token_hint` is required.\n\nValidation follows CIBA §7.2: client authentication, request object, parameters, hint,\n`user_code`, `binding_message`, then the provider's access policy (CIBA §13\n`access_denied`, 403; by default a user without an enabled authentication device is\nrefused, since nobody could approve the request). A FAPI-CIBA client (per-client or global setting) must\nsend a signed request (PS256/ES256), use private_key_jwt, send a binding message, and\ncannot use push.\n\n`dpop_jkt` (RFC 9449 §10 applied to CIBA) binds the tokens of the request to a DPoP key:\npush tokens are issued bound to it, and a poll/ping token request must carry a DPoP proof\nmade with that key (no proof: `invalid_dpop_proof`; another key: `invalid_grant`). A push\nclient registered with `dpop_bound_access_tokens: true` must send it.\n",
          security: CLIENT_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: schema('BackchannelRequest'),
                examples: {
                  plain: {
                    summary: 'Poll-mode client, client_secret_post',
                    value: {
                      client_id: 's6BhdRkqt3',
                      client_secret: '7Fjfp0ZBr1KtDRbnfVdmIw',
                      scope: 'openid profile',
                      login_hint: 'alice@example.com',
                      binding_message: 'W4SCT',
                      requested_expiry: 120,
                    },
                  },
                  signed: {
                    summary: 'Signed request object, private_key_jwt',
                    value: {
                      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
                      client_assertion:
                        'eyJhbGciOiJFUzI1NiIsImtpZCI6ImNsaWVudC1rZXkifQ.eyJpc3MiOiJzNkJoZFJrcXQzIn0.c2lnbmF0dXJl',
                      request:
                        'eyJhbGciOiJQUzI1NiIsImtpZCI6ImNsaWVudC1rZXkifQ.eyJsb2dpbl9oaW50IjoiYWxpY2UifQ.c2lnbmF0dXJl',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Successful authentication request acknowledgement (CIBA §7.3).',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: schema('BackchannelAcknowledgement'),
                  example: {
                    auth_req_id: '1c266114-a1be-4252-8ad1-04986c5b9ac1',
                    expires_in: 120,
                    interval: 2,
                  },
                },
              },
            },
            '400': {
              description:
                '`invalid_request`, `invalid_scope`, `expired_login_hint_token`, `unknown_user_id`,\n`unauthorized_client`, `missing_user_code`, `invalid_user_code`,\n`invalid_binding_message`, `invalid_authorization_details` (CIBA §13, RFC 9396 §5).\n`invalid_user_code` also answers a user code that is locked after too many wrong\nattempts (the owner\'s, or all of a client\'s), with `Retry-After` and an\n`error_description` that says until when (README, "Limits").\n',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  examples: {
                    twoHints: {
                      value: {
                        error: 'invalid_request',
                        error_description: 'exactly one of login_hint, login_hint_token and id_token_hint is required',
                      },
                    },
                    unknownUser: {
                      value: {
                        error: 'unknown_user_id',
                        error_description: 'the hint does not identify a known user',
                      },
                    },
                    bindingMessage: {
                      value: {
                        error: 'invalid_binding_message',
                        error_description: 'binding_message is too long',
                      },
                    },
                    lockedUserCode: {
                      value: {
                        error: 'invalid_user_code',
                        error_description:
                          'the user code of this user is locked after too many wrong attempts until 2026-01-01T10:15:00Z',
                      },
                    },
                  },
                },
              },
            },
            '401': response('InvalidClient'),
            '403': {
              description:
                '`access_denied`: the provider refuses without asking the user (CIBA §13). Decided\nafter every other check, by the deployment\'s access policy; the default refuses a\nuser who has no enabled authentication device (owner device) to approve on. Also\nwhen the user already has `OWNER_PENDING_LIMIT` (default 20) requests waiting for a\ndecision (README, "Limits").\n',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'access_denied',
                    error_description: 'the user has no authentication device that could approve the request',
                  },
                },
              },
            },
            '405': response('MethodNotAllowed'),
            '413': response('PayloadTooLarge'),
            '429': {
              description:
                '`slow_down` with `Retry-After`: this client placed `CLIENT_OWNER_REQUEST_LIMIT`\n(default 10) new requests on this user within `CLIENT_OWNER_REQUEST_WINDOW` (default\n60 s); the request is valid and is taken again after the indicated seconds. Or: the\nclient\'s source address failed client authentication too often (README, "Limits").\n',
              headers: {
                'Retry-After': {
                  schema: { type: 'integer' },
                  example: 42,
                },
              },
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'slow_down',
                    error_description:
                      'too many requests for this user from this client (at most 10 per 60 seconds); retry in 42 seconds',
                  },
                },
              },
            },
            '503': response('TemporarilyUnavailable'),
          },
        },
      },
      '/token': {
        post: {
          tags: ['ciba'],
          operationId: 'token',
          summary: 'Token Endpoint (RFC 6749 §3.2, CIBA §10.1)',
          description:
            'Grants:\n- `urn:openid:params:grant-type:ciba` with `auth_req_id` (poll and ping clients; push\n  clients get `unauthorized_client`). While the request is pending the provider may hold\n  the call open (long polling, CIBA §7.4) for up to `CIBA_LONG_POLL_SECONDS` and answers\n  as soon as the owner decides. Polling faster than `interval` gives `slow_down`, and the\n  interval then grows by 5 s for good.\n- `refresh_token` with rotation: every use returns a new refresh token; reusing a\n  rotated one revokes the whole grant.\n\nA `DPoP` proof (RFC 9449) binds the issued tokens to its key (`token_type: DPoP`);\nclients registered with `dpop_bound_access_tokens: true` must send one. A CIBA request\nmade with `dpop_jkt` needs a proof by exactly that key.\n\nA client registered with `token_response_encryption_alg` gets every successful token\nresponse as `{"encrypted_token_response": "<compact JWE>"}` (plaintext: the JSON token\nresponse); errors stay in clear. Tokens of a disabled client cannot be refreshed: the\nclient no longer authenticates (`invalid_client`) and its refresh tokens are revoked.\n',
          security: CLIENT_AUTH,
          parameters: [
            {
              $ref: '#/components/parameters/DPoPHeader',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  oneOf: [schema('CibaTokenRequest'), schema('RefreshTokenRequest')],
                },
                examples: {
                  ciba: {
                    value: {
                      grant_type: 'urn:openid:params:grant-type:ciba',
                      auth_req_id: '1c266114-a1be-4252-8ad1-04986c5b9ac1',
                      client_id: 's6BhdRkqt3',
                      client_secret: '7Fjfp0ZBr1KtDRbnfVdmIw',
                    },
                  },
                  refresh: {
                    value: {
                      grant_type: 'refresh_token',
                      refresh_token: '8xLOxBtZp8',
                      client_id: 's6BhdRkqt3',
                      client_secret: '7Fjfp0ZBr1KtDRbnfVdmIw',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: {
                    oneOf: [schema('TokenResponse'), schema('EncryptedTokenResponse')],
                  },
                  example: {
                    access_token: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
                    token_type: 'Bearer',
                    expires_in: 600,
                    refresh_token: '8xLOxBtZp8',
                    id_token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
                    scope: 'openid profile',
                  },
                },
              },
            },
            '400': {
              description:
                "`authorization_pending`, `slow_down`, `expired_token`, `access_denied` (CIBA §11);\n`invalid_grant` (unknown, consumed or another client's `auth_req_id`; bad refresh\ntoken), `invalid_request`, `unauthorized_client`, `unsupported_grant_type`,\n`invalid_dpop_proof`, `use_dpop_nonce` (RFC 6749 §5.2, RFC 9449).\n",
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  examples: {
                    pending: {
                      value: {
                        error: 'authorization_pending',
                        error_description: 'the owner has not answered yet',
                      },
                    },
                    slowDown: {
                      value: {
                        error: 'slow_down',
                        error_description: 'polling too fast, wait the interval',
                      },
                    },
                    expired: {
                      value: {
                        error: 'expired_token',
                        error_description: 'the authentication request has expired',
                      },
                    },
                    denied: {
                      value: {
                        error: 'access_denied',
                        error_description: 'the owner denied the request',
                      },
                    },
                  },
                },
              },
            },
            '401': response('InvalidClient'),
            '405': response('MethodNotAllowed'),
            '413': response('PayloadTooLarge'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/userinfo': {
        get: {
          tags: ['tokens'],
          operationId: 'getUserinfo',
          summary: 'UserInfo Endpoint (OIDC Core §5.3)',
          security: [
            {
              accessToken: [],
            },
            {
              dpopAccessToken: [],
            },
          ],
          parameters: [
            {
              $ref: '#/components/parameters/DPoPHeader',
            },
          ],
          responses: {
            '200': response('Userinfo'),
            '401': response('InvalidToken'),
            '403': response('InsufficientScope'),
          },
        },
        post: {
          tags: ['tokens'],
          operationId: 'postUserinfo',
          summary: 'UserInfo Endpoint, POST form (OIDC Core §5.3.1, RFC 6750 §2.2)',
          security: [
            {
              accessToken: [],
            },
            {
              dpopAccessToken: [],
            },
          ],
          parameters: [
            {
              $ref: '#/components/parameters/DPoPHeader',
            },
          ],
          requestBody: {
            required: false,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  properties: {
                    access_token: {
                      type: 'string',
                      description:
                        'Bearer token in the body (RFC 6750 §2.2); not allowed together with an Authorization header.',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': response('Userinfo'),
            '401': response('InvalidToken'),
            '403': response('InsufficientScope'),
            '413': response('PayloadTooLarge'),
          },
        },
      },
      '/introspect': {
        post: {
          tags: ['tokens'],
          operationId: 'introspect',
          summary: 'Token Introspection (RFC 7662)',
          description:
            'Callable by authenticated clients; a client learns only about tokens issued to it (others are `active: false`).',
          security: CLIENT_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['token'],
                  properties: {
                    token: { type: 'string' },
                    token_type_hint: {
                      type: 'string',
                      enum: ['access_token', 'refresh_token'],
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Introspection response (RFC 7662 §2.2).',
              content: {
                'application/json': {
                  schema: schema('IntrospectionResponse'),
                  examples: {
                    active: {
                      value: {
                        active: true,
                        client_id: 's6BhdRkqt3',
                        sub: 'alice',
                        scope: 'openid profile',
                        token_type: 'Bearer',
                        exp: 1767225600,
                        iat: 1767225000,
                        iss: 'http://localhost:4000',
                      },
                    },
                    inactive: {
                      value: {
                        active: false,
                      },
                    },
                  },
                },
              },
            },
            '400': response('InvalidRequest'),
            '401': response('InvalidClient'),
            '405': response('MethodNotAllowed'),
            '413': response('PayloadTooLarge'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/revoke': {
        post: {
          tags: ['tokens'],
          operationId: 'revoke',
          summary: 'Token Revocation (RFC 7009)',
          description:
            'Revoking a refresh token revokes its grant (and the access tokens issued from it). Unknown tokens also answer 200 (RFC 7009 §2.2).',
          security: CLIENT_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['token'],
                  properties: {
                    token: { type: 'string' },
                    token_type_hint: {
                      type: 'string',
                      enum: ['access_token', 'refresh_token'],
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Revoked, or nothing to revoke. Empty body.',
            },
            '400': {
              description: '`invalid_request`, `unsupported_token_type`.',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                },
              },
            },
            '401': response('InvalidClient'),
            '405': response('MethodNotAllowed'),
            '413': response('PayloadTooLarge'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/register': {
        post: {
          tags: ['registration'],
          operationId: 'registerClient',
          summary: 'Dynamic Client Registration (RFC 7591 §3)',
          description:
            'Guarded by an initial access token (RFC 7591 §3, `INITIAL_ACCESS_TOKENS`); with none\nconfigured, dynamic registration is closed and clients are registered with the admin CLI.\nThe response repeats the metadata as registered, plus `client_id` and, for\n`client_secret_*` methods, a `client_secret` shown only this once.\n',
          security: [
            {
              initialAccessToken: [],
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('ClientMetadata'),
                examples: {
                  poll: {
                    value: {
                      client_name: 'Kiosk',
                      token_endpoint_auth_method: 'client_secret_basic',
                      grant_types: ['urn:openid:params:grant-type:ciba'],
                      backchannel_token_delivery_mode: 'poll',
                    },
                  },
                  ping: {
                    value: {
                      client_name: 'Car head-unit bridge',
                      token_endpoint_auth_method: 'private_key_jwt',
                      jwks: {
                        keys: [
                          {
                            kty: 'EC',
                            crv: 'P-256',
                            x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
                            y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
                            kid: 'k1',
                          },
                        ],
                      },
                      grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
                      backchannel_token_delivery_mode: 'ping',
                      backchannel_client_notification_endpoint: 'https://bridge.example.com/cb',
                      backchannel_authentication_request_signing_alg: 'ES256',
                      dpop_bound_access_tokens: true,
                    },
                  },
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'Client information response (RFC 7591 §3.2.1).',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: schema('ClientInformation'),
                  example: {
                    client_id: 's6BhdRkqt3',
                    client_secret: '7Fjfp0ZBr1KtDRbnfVdmIw',
                    client_id_issued_at: 1767225600,
                    client_secret_expires_at: 0,
                    client_name: 'Kiosk',
                    token_endpoint_auth_method: 'client_secret_basic',
                    grant_types: ['urn:openid:params:grant-type:ciba'],
                    backchannel_token_delivery_mode: 'poll',
                  },
                },
              },
            },
            '400': {
              description: '`invalid_client_metadata`, `invalid_request` (RFC 7591 §3.2.2).',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'invalid_client_metadata',
                    error_description:
                      'backchannel_client_notification_endpoint must not target 10.0.0.1: a private address (RFC 1918)',
                  },
                },
              },
            },
            '401': response('InvalidToken'),
            '405': response('MethodNotAllowed'),
            '413': response('PayloadTooLarge'),
            '503': response('TemporarilyUnavailable'),
          },
        },
      },
      '/owner-device/v1/requests': {
        get: {
          tags: ['owner-device'],
          operationId: 'listOwnerRequests',
          summary: "The pending requests of the device's owner (optionally long-polled)",
          description:
            'Pending, unexpired requests for the owner of the authenticated device, newest first\n(creation time, then id), a page at a time: `limit` requests (default 20, at most 100)\nand, when more may follow, `next_cursor`; `cursor` with that value returns the next page.\nWith `wait` the call is held open while the first page is empty, until a request for the\nowner arrives or `wait` seconds pass (then `{"requests": []}`).\n',
          security: OWNER_DEVICE_AUTH,
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'Requests per page, 1–100 (default 20). Given at most once.',
              schema: {
                type: 'integer',
                minimum: 1,
                maximum: 100,
                default: 20,
              },
            },
            {
              name: 'cursor',
              in: 'query',
              required: false,
              description: 'The `next_cursor` of the previous page, unchanged (opaque). Given at most once.',
              schema: { type: 'string' },
            },
            {
              name: 'wait',
              in: 'query',
              required: false,
              description:
                'Long-poll for up to this many seconds (0–30; larger values are capped at 30). Given at most once.',
              schema: {
                type: 'integer',
                minimum: 0,
                maximum: 999,
              },
              example: 25,
            },
          ],
          responses: {
            '200': {
              description: 'The pending requests.',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: schema('OwnerRequestList'),
                  example: {
                    requests: [
                      {
                        id: '5f0c3a5e-1b8f-4d5e-9b55-2f1e0d7c9a10',
                        status: 'pending',
                        client_id: 's6BhdRkqt3',
                        client_name: 'Car Rental',
                        binding_message: 'W4SCT',
                        scope: ['openid', 'profile'],
                        acr_values: ['urn:onboard:acr:passkey'],
                        authorization_details: [
                          {
                            type: 'vehicle_access',
                            actions: ['unlock'],
                          },
                        ],
                        created_at: '2026-01-01T10:00:00.000Z',
                        expires_at: '2026-01-01T10:05:00.000Z',
                        expires_in: 287,
                      },
                    ],
                  },
                },
              },
            },
            '400': response('InvalidRequest'),
            '401': response('OwnerDeviceUnauthorized'),
            '405': response('MethodNotAllowed'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/owner-device/v1/history': {
        get: {
          tags: ['owner-device'],
          operationId: 'listOwnerHistory',
          summary: "The past requests of the device's owner",
          description:
            "The owner's answered (approved, denied, consumed) and expired requests, newest first\n(creation time, then id), a page at a time: `limit` requests (default 20, at most 100)\nand, when more may follow, `next_cursor`; `cursor` with that value returns the next page.\nA request that expired unanswered shows status `expired`.\n",
          security: [
            {
              ownerDevice: [],
            },
          ],
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'Requests per page, 1–100 (default 20). Given at most once.',
              schema: {
                type: 'integer',
                minimum: 1,
                maximum: 100,
                default: 20,
              },
            },
            {
              name: 'cursor',
              in: 'query',
              required: false,
              description: 'The `next_cursor` of the previous page, unchanged (opaque). Given at most once.',
              schema: {
                type: 'string',
              },
            },
          ],
          responses: {
            '200': {
              description: 'The past requests.',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: {
                    $ref: '#/components/schemas/OwnerRequestList',
                  },
                  example: {
                    requests: [
                      {
                        id: '5f0c3a5e-1b8f-4d5e-9b55-2f1e0d7c9a10',
                        status: 'approved',
                        client_id: 's6BhdRkqt3',
                        client_name: 'Car Rental',
                        binding_message: 'W4SCT',
                        scope: ['openid', 'profile'],
                        acr_values: ['urn:onboard:acr:passkey'],
                        authorization_details: [
                          {
                            type: 'vehicle_access',
                            actions: ['unlock'],
                          },
                        ],
                        created_at: '2026-01-01T10:00:00.000Z',
                        expires_at: '2026-01-01T10:05:00.000Z',
                        expires_in: 0,
                      },
                    ],
                  },
                },
              },
            },
            '400': {
              $ref: '#/components/responses/InvalidRequest',
            },
            '401': {
              $ref: '#/components/responses/OwnerDeviceUnauthorized',
            },
            '405': {
              $ref: '#/components/responses/MethodNotAllowed',
            },
            '429': {
              $ref: '#/components/responses/TooManyAttempts',
            },
          },
        },
      },
      '/owner-device/v1/requests/{id}': {
        parameters: [
          {
            $ref: '#/components/parameters/RequestId',
          },
        ],
        get: {
          tags: ['owner-device'],
          operationId: 'getOwnerRequest',
          summary: "One request of the device's owner, in any state",
          description:
            'Use it to follow a request after answering (`approved`, `denied`, `expired`, `consumed` once the client took its tokens).',
          security: OWNER_DEVICE_AUTH,
          responses: {
            '200': {
              description: 'The request.',
              headers: {
                'Cache-Control': {
                  $ref: '#/components/headers/NoStore',
                },
              },
              content: {
                'application/json': {
                  schema: schema('OwnerRequest'),
                },
              },
            },
            '401': response('OwnerDeviceUnauthorized'),
            '404': response('NotFound'),
            '405': response('MethodNotAllowed'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/owner-device/v1/requests/{id}/approve': {
        parameters: [
          {
            $ref: '#/components/parameters/RequestId',
          },
        ],
        post: {
          tags: ['owner-device'],
          operationId: 'approveOwnerRequest',
          summary: 'The owner approves the request',
          description:
            'Completes the request as approved; the client then gets its tokens (poll: next token\nrequest, or at once if it is long-polling; ping: a notification; push: the tokens are\ndelivered to its notification endpoint). The body is optional; with it the device\nstates how it verified the owner: `acr` (one of `acr_values_supported`) and `amr`\n(RFC 8176 method names), which end up in the ID token.\n',
          security: OWNER_DEVICE_AUTH,
          requestBody: {
            required: false,
            content: {
              'application/json': {
                schema: schema('ApprovalBody'),
                example: {
                  acr: 'urn:onboard:acr:passkey',
                  amr: ['hwk', 'user'],
                },
              },
            },
          },
          responses: {
            '200': response('Decision'),
            '400': response('InvalidRequest'),
            '401': response('OwnerDeviceUnauthorized'),
            '404': response('NotFound'),
            '405': response('MethodNotAllowed'),
            '409': response('Conflict'),
            '413': response('PayloadTooLarge'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/owner-device/v1/requests/{id}/deny': {
        parameters: [
          {
            $ref: '#/components/parameters/RequestId',
          },
        ],
        post: {
          tags: ['owner-device'],
          operationId: 'denyOwnerRequest',
          summary: 'The owner denies the request',
          description:
            'The client gets `access_denied` (token endpoint, or the push error payload, CIBA §12). No body.',
          security: OWNER_DEVICE_AUTH,
          requestBody: {
            required: false,
            content: {
              'application/json': {
                schema: schema('DenyBody'),
                example: {
                  reason: 'not_me',
                },
              },
            },
          },
          responses: {
            '200': response('Decision'),
            '401': response('OwnerDeviceUnauthorized'),
            '404': response('NotFound'),
            '405': response('MethodNotAllowed'),
            '409': response('Conflict'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/owner-device/v1/user-code': {
        put: {
          tags: ['owner-device'],
          operationId: 'setOwnUserCode',
          summary: 'The owner sets or changes their CIBA user code',
          description:
            'CIBA §7.1.2: users need a way to set and change their user code. The code (4–64 characters,\ndistinct from any password) is stored hashed; clients registered with\n`backchannel_user_code_parameter` must then send it as `user_code`.\n',
          security: OWNER_DEVICE_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('UserCodeBody'),
                example: {
                  user_code: '4711',
                },
              },
            },
          },
          responses: {
            '204': {
              description: 'The user code is set (a lock after wrong attempts ends with it).',
            },
            '400': response('InvalidRequest'),
            '401': response('OwnerDeviceUnauthorized'),
            '405': response('MethodNotAllowed'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/owner-device/v1/user-code/unlock': {
        post: {
          tags: ['owner-device'],
          operationId: 'unlockOwnUserCode',
          summary: 'The owner unlocks their user code after too many wrong attempts',
          description:
            "After `USER_CODE_MAX_FAILURES` wrong user codes (default 5) the owner's code is locked\nfor `USER_CODE_LOCK_SECONDS` (default 900): clients get `invalid_user_code` saying until\nwhen, even for the right code. The owner ends the lock here; the count of wrong codes\nstarts again from zero.\n",
          security: OWNER_DEVICE_AUTH,
          responses: {
            '204': {
              description: 'The user code is unlocked (or was not locked).',
            },
            '401': response('OwnerDeviceUnauthorized'),
            '405': response('MethodNotAllowed'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners': {
        get: {
          tags: ['admin'],
          operationId: 'adminListOwners',
          summary: 'List owners',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'All owners.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['owners'],
                    properties: {
                      owners: {
                        type: 'array',
                        items: schema('AdminOwner'),
                      },
                    },
                  },
                },
              },
            },
            '401': response('Unauthorized'),
            '404': response('AdminDisabled'),
            '429': response('TooManyAttempts'),
          },
        },
        post: {
          tags: ['admin'],
          operationId: 'adminCreateOwner',
          summary: 'Create an owner (end user)',
          description:
            "At least one identifier a `login_hint` can match (`email`, `phone_number`, `username`, `sub`).\nIdentifiers must not match another owner's. `user_code` (CIBA §7.1.2) is stored hashed.\n",
          security: ADMIN_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('AdminOwnerInput'),
                example: {
                  email: 'alice@example.com',
                  phone_number: '+4915112345678',
                  name: 'Alice Example',
                  user_code: '4711',
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'The owner.',
              content: {
                'application/json': {
                  schema: schema('AdminOwner'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '409': response('Conflict'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/user-code': {
        parameters: [pathParam('sub')],
        put: {
          tags: ['admin'],
          operationId: 'adminSetUserCode',
          summary: "Set or replace an owner's user code (CIBA §7.1.2)",
          security: ADMIN_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('AdminUserCodeInput'),
              },
            },
          },
          responses: {
            '200': {
              description: 'The owner.',
              content: {
                'application/json': {
                  schema: schema('AdminOwner'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/user-code/unlock': {
        parameters: [pathParam('sub')],
        post: {
          tags: ['admin'],
          operationId: 'adminUnlockUserCode',
          summary: "Unlock an owner's user code locked after too many wrong attempts",
          description:
            'The count of wrong codes is forgotten and the lock ends now (audited as `owner.user_code_unlocked`).',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The owner.',
              content: {
                'application/json': {
                  schema: schema('AdminOwner'),
                },
              },
            },
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/disable': {
        parameters: [pathParam('sub')],
        post: {
          tags: ['admin'],
          operationId: 'adminDisableOwner',
          summary: 'Disable an owner, ending their tokens and pending requests at once',
          description:
            'In one store transaction the owner is marked disabled, with the time of the disable kept\nas a watermark, and every refresh token of theirs is revoked. From then on:\n- refresh grants of the owner get `invalid_grant`;\n- their access tokens introspect `{"active": false}` and fail at userinfo (`invalid_token`);\n- their pending requests are denied: ping clients are pinged and get `access_denied` at the\n  token endpoint, push clients receive the `access_denied` error payload (CIBA §12), poll\n  clients get `access_denied`; a request already approved but not yet redeemed gets\n  `access_denied` too;\n- no new request resolves to them (`unknown_user_id`) and their devices stop authenticating.\nRe-enabling (`…/enable`) brings none of it back: every grant the owner approved up to the\nsecond of the disable stays dead. No body, or an empty JSON object.\n',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The owner.',
              content: {
                'application/json': {
                  schema: schema('AdminOwner'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/invitations': {
        parameters: [pathParam('sub')],
        post: {
          tags: ['admin'],
          operationId: 'adminCreateInvitation',
          summary: 'Create a one-time enrolment invitation for an owner (docs/owner-app.md)',
          description:
            "The answer's `url` opens the owner app, which creates a passkey for the owner. The link is\nshown this once (only a hash of its token is stored), expires at `expires_at` and works\nonce. No body, or an empty JSON object.\n",
          security: ADMIN_AUTH,
          responses: {
            '201': {
              description: 'The invitation.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['invitation_id', 'sub', 'url', 'expires_at'],
                    properties: {
                      invitation_id: { type: 'string' },
                      sub: { type: 'string' },
                      url: { type: 'string', format: 'uri' },
                      expires_at: { type: 'string', format: 'date-time' },
                    },
                  },
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/enable': {
        parameters: [pathParam('sub')],
        post: {
          tags: ['admin'],
          operationId: 'adminEnableOwner',
          summary: 'Enable a disabled owner again (tokens from before the disable stay dead)',
          description:
            'New requests resolve to the owner again and their devices authenticate again. Tokens of\ngrants approved before the disable stay refused and inactive. Enabling within the second of\nthe disable answers once that second has passed (`auth_time` counts whole seconds). No body,\nor an empty JSON object.\n',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The owner.',
              content: {
                'application/json': {
                  schema: schema('AdminOwner'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/devices': {
        parameters: [pathParam('sub')],
        get: {
          tags: ['admin'],
          operationId: 'adminListOwnerDevices',
          summary: "List an owner's devices",
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The devices (never their credentials).',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['devices'],
                    properties: {
                      devices: {
                        type: 'array',
                        items: schema('AdminOwnerDevice'),
                      },
                    },
                  },
                },
              },
            },
            '401': response('Unauthorized'),
            '429': response('TooManyAttempts'),
          },
        },
        post: {
          tags: ['admin'],
          operationId: 'adminCreateOwnerDevice',
          summary: 'Add an authentication device for an owner',
          description:
            "The response holds the device's bearer credential for the owner-device API, shown this once; only its hash is stored.",
          security: ADMIN_AUTH,
          requestBody: {
            required: false,
            content: {
              'application/json': {
                schema: schema('AdminOwnerDeviceInput'),
                example: {
                  name: 'Pixel 9',
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'The device and its credential.',
              content: {
                'application/json': {
                  schema: {
                    allOf: [
                      schema('AdminOwnerDevice'),
                      {
                        type: 'object',
                        required: ['credential'],
                        properties: {
                          credential: {
                            type: 'string',
                            description: 'Bearer credential for /owner-device/v1 (shown once).',
                          },
                        },
                      },
                    ],
                  },
                  example: {
                    id: '0b6f2c1e-7d35-4a8e-9f3c-5d2a1e8b7c40',
                    sub: 'alice',
                    name: 'Pixel 9',
                    disabled: false,
                    created_at: '2026-01-01T10:00:00.000Z',
                    credential: 'Xq3v9TtY0mB1c7rKpA2sLd8fGh4jZw6nEo5uIy_VbR0',
                  },
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '409': response('Conflict'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/owners/{sub}/devices/{deviceId}/disable': {
        parameters: [pathParam('sub'), pathParam('deviceId')],
        post: {
          tags: ['admin'],
          operationId: 'adminDisableOwnerDevice',
          summary: 'Disable an owner device (its credential stops working at once)',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The device.',
              content: {
                'application/json': {
                  schema: schema('AdminOwnerDevice'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/clients': {
        get: {
          tags: ['admin'],
          operationId: 'adminListClients',
          summary: 'List clients',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'Registered metadata of every client (never secrets), plus `disabled` and `created_at`.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['clients'],
                    properties: {
                      clients: {
                        type: 'array',
                        items: schema('AdminClient'),
                      },
                    },
                  },
                },
              },
            },
            '401': response('Unauthorized'),
            '429': response('TooManyAttempts'),
          },
        },
        post: {
          tags: ['admin'],
          operationId: 'adminRegisterClient',
          summary: 'Register a client (RFC 7591 metadata, no initial access token needed)',
          description:
            "As `POST /register`, with the admin token instead of an initial access token; the operator\nmay choose `client_id` (e.g. a head-unit's device id). Unlike `POST /register`, which\nignores metadata it does not know (RFC 7591 §2), a field outside the metadata this provider\nreads is refused, so a misspelt name (`backchannel_token_delivery_mod`) is not silently\ndropped: `client_id`, `client_name`, `token_endpoint_auth_method`,\n`token_endpoint_auth_signing_alg`, `grant_types`, `scope`, `jwks`, `jwks_uri`,\n`redirect_uris`, `backchannel_token_delivery_mode`, `backchannel_client_notification_endpoint`,\n`backchannel_authentication_request_signing_alg`, `backchannel_user_code_parameter`,\n`dpop_bound_access_tokens`, `fapi_ciba_profile`, `token_response_encryption_alg`,\n`token_response_encryption_enc`, `id_token_signed_response_alg`,\n`userinfo_signed_response_alg` and `introspection_signed_response_alg` (refused as\n`invalid_client_metadata`: signed introspection responses are not offered).\n",
          security: ADMIN_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  allOf: [
                    schema('ClientMetadata'),
                    {
                      type: 'object',
                      properties: {
                        client_id: { type: 'string' },
                      },
                    },
                  ],
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'Client information response (the secret, if any, shown once).',
              content: {
                'application/json': {
                  schema: schema('ClientInformation'),
                },
              },
            },
            '400': {
              description:
                '`invalid_client_metadata` (a known field with a bad value), or `invalid_request` (not a\nJSON object, or an unknown field, named with the fields this endpoint takes).\n',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'invalid_request',
                    error_description:
                      "unknown field 'backchannel_token_delivery_mod': this request takes client_id, client_name, …",
                  },
                },
              },
            },
            '401': response('Unauthorized'),
            '409': response('Conflict'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/clients:import': {
        post: {
          tags: ['admin'],
          operationId: 'adminImportClients',
          summary: 'Register many clients at once (a fleet of head-units, in chunks of up to 1,000)',
          description:
            'Each client as `POST /admin/v1/clients` registers one, with the same checks, all in one\nstore transaction (one commit for the batch). A client whose metadata is refused does not\nstop the others: each gets its own result, in body order; a `client_id` repeated in the\nbody fails on its later entries. The MQTT bridge registers imported devices through it.\n',
          security: ADMIN_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('AdminClientImportInput'),
              },
            },
          },
          responses: {
            '200': {
              description:
                'One result per client, in body order; a registered one with its client information response.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['registered', 'failed', 'results'],
                    properties: {
                      registered: { type: 'integer' },
                      failed: { type: 'integer' },
                      results: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['index', 'outcome'],
                          properties: {
                            index: { type: 'integer', description: 'position in `clients`, from 0' },
                            client_id: { type: 'string' },
                            outcome: { type: 'string', enum: ['registered', 'failed'] },
                            client: schema('ClientInformation'),
                            error: {
                              type: 'string',
                              description: '`invalid_client_metadata` or `invalid_redirect_uri`',
                            },
                            error_description: { type: 'string' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            '400': {
              description:
                '`invalid_request`: not a JSON object, `clients` missing, empty or over 1,000, or a field\noutside the client metadata, named with the entry it is in (`clients[2]`).\n',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'invalid_request',
                    error_description:
                      "unknown field 'backchannel_token_delivery_mod' in 'clients[2]': expected client_id, client_name, …",
                  },
                },
              },
            },
            '401': response('Unauthorized'),
            '413': response('PayloadTooLarge'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/clients/{clientId}': {
        parameters: [pathParam('clientId')],
        get: {
          tags: ['admin'],
          operationId: 'adminGetClient',
          summary: "One client's registered metadata (never secrets), `disabled` and `created_at`",
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The client.',
              content: {
                'application/json': {
                  schema: schema('AdminClient'),
                },
              },
            },
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/clients/{clientId}/branding': {
        parameters: [pathParam('clientId')],
        put: {
          tags: ['admin'],
          operationId: 'adminUpdateClientBranding',
          summary: 'Change what the owner app shows of a client (name, logo, colours, wording, vehicle, receipts)',
          description:
            'Each field replaces the registered value, `null` removes it, an absent field stays.\nValues are checked as at registration (docs/owner-app.md "Branding"); the change is\naudited as `client.branding_updated`.\n',
          security: ADMIN_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: schema('AdminClientBrandingInput'),
                example: {
                  client_name: 'Hanami Bank, counter 3',
                  onboard_branding: { primary_color: '#0b5fff', strings: { en: { request_title: 'Withdrawal' } } },
                  logo_uri: null,
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'The client.',
              content: {
                'application/json': {
                  schema: schema('AdminClient'),
                },
              },
            },
            '400': {
              description:
                '`invalid_client_metadata` (a bad value, named with the format expected), or `invalid_request` (an unknown field).',
              content: { 'application/json': { schema: schema('OAuthError') } },
            },
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/clients/{clientId}/disable': {
        parameters: [pathParam('clientId')],
        post: {
          tags: ['admin'],
          operationId: 'adminDisableClient',
          summary: 'Disable a client and revoke its tokens',
          description:
            'From now on the client\'s authentication fails, its refresh tokens are revoked, and its\naccess tokens are inactive (userinfo answers `invalid_token`, introspection\n`{"active": false}`).\n',
          security: ADMIN_AUTH,
          responses: {
            '200': {
              description: 'The client.',
              content: {
                'application/json': {
                  schema: schema('AdminClient'),
                },
              },
            },
            '400': response('AdminInvalidRequest'),
            '401': response('Unauthorized'),
            '404': response('NotFound'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/admin/v1/audit': {
        get: {
          tags: ['admin'],
          operationId: 'adminAudit',
          summary: 'Audit trail of security events for one request or one owner',
          security: ADMIN_AUTH,
          parameters: [
            {
              name: 'auth_request_id',
              in: 'query',
              required: false,
              description: 'Internal request id (as in the owner-device API).',
              schema: { type: 'string' },
            },
            {
              name: 'sub',
              in: 'query',
              required: false,
              description: 'One of auth_request_id and sub is required.',
              schema: { type: 'string' },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: {
                type: 'integer',
                minimum: 0,
                maximum: 1000,
                default: 100,
              },
            },
          ],
          responses: {
            '200': {
              description: 'Events, `entity.past_tense` types (e.g. `auth_request.approved`); never tokens or secrets.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['events'],
                    properties: {
                      events: {
                        type: 'array',
                        items: schema('AuditEvent'),
                      },
                    },
                  },
                },
              },
            },
            '400': response('InvalidRequest'),
            '401': response('Unauthorized'),
            '429': response('TooManyAttempts'),
          },
        },
      },
      '/health': {
        get: {
          tags: ['operations'],
          operationId: 'health',
          summary: 'Liveness and database reachability',
          responses: {
            '200': {
              description: 'The provider runs and its database answers.',
              content: {
                'application/json': {
                  schema: schema('Health'),
                  example: {
                    status: 'ok',
                  },
                },
              },
            },
            '503': {
              description: 'The database does not answer (the cause is in the log).',
              content: {
                'application/json': {
                  schema: schema('Health'),
                  example: {
                    status: 'unavailable',
                  },
                },
              },
            },
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['operations'],
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          description:
            'Text exposition format. Series: `onboard_http_requests_total{route,method,status}`,\n`onboard_http_request_duration_seconds{route,method}`, `onboard_outcomes_total{endpoint,outcome}`,\n`onboard_approval_to_token_seconds`, `onboard_notification_delivery_seconds` (durations in seconds), and the Node process\nmetrics (`onboard_process_*`, `onboard_nodejs_*`). Refused outbound requests count as\n`onboard_outcomes_total{endpoint="outbound",outcome="refused"}`.\n\nWith `METRICS_TOKEN` set, a scrape needs `Authorization: Bearer <METRICS_TOKEN>`; with\n`ADMIN_PORT` set, this endpoint (like the admin API) is served on the operator listener\nonly, and the main listener answers 404 (docs/network-security.md).\n',
          responses: {
            '200': {
              description: 'Metrics.',
              content: {
                'text/plain': {
                  schema: { type: 'string' },
                  example:
                    '# HELP onboard_outcomes_total Protocol outcomes by endpoint and outcome\n# TYPE onboard_outcomes_total counter\nonboard_outcomes_total{endpoint="token",outcome="success"} 42\n',
                },
              },
            },
            '401': {
              description:
                '`METRICS_TOKEN` is set and the request did not present it (`WWW-Authenticate: Bearer realm="metrics"`).',
              content: {
                'application/json': {
                  schema: schema('OAuthError'),
                  example: {
                    error: 'invalid_token',
                    error_description: 'metrics credential required',
                  },
                },
              },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['operations'],
          operationId: 'openapi',
          summary: 'This document, as JSON',
          responses: {
            '200': {
              description: 'The OpenAPI document.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                  },
                },
              },
            },
          },
        },
      },
    },
    webhooks: {
      cibaPushNotification: {
        post: {
          tags: ['ciba'],
          operationId: 'cibaPushNotification',
          summary: 'Push-mode token delivery to the client (CIBA §10.3, §12), sent by the provider',
          description:
            "The provider POSTs to the client's `backchannel_client_notification_endpoint` once the\nowner decided, with `Authorization: Bearer <client_notification_token>`, and retries\n(durable outbox) until a 2xx answer. On approval the body holds the tokens, bound to the\nrequest's `dpop_jkt` if one was sent; a client registered with\n`token_response_encryption_alg` receives only `auth_req_id` and\n`encrypted_token_response`. On denial or expiry the body is the CIBA §12 error payload.\n",
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    schema('PushTokenNotification'),
                    {
                      type: 'object',
                      required: ['auth_req_id', 'error'],
                      properties: {
                        auth_req_id: { type: 'string' },
                        error: {
                          type: 'string',
                          enum: ['access_denied', 'expired_token', 'transaction_failed'],
                        },
                        error_description: { type: 'string' },
                      },
                    },
                  ],
                },
                examples: {
                  encrypted: {
                    summary: 'Device client registered for token response encryption',
                    value: {
                      auth_req_id: '1c266114-a1be-4252-8ad1-04986c5b9ac1',
                      encrypted_token_response:
                        'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00ifQ.d3JhcHBlZA.aXY.Y2lwaGVydGV4dA.dGFn',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '204': {
              description: 'The client took the notification.',
            },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        ownerSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'onboard_session',
          description:
            "The owner app's session after a passkey sign-in (HttpOnly, SameSite=Strict, Path=/owner-device/; docs/owner-app.md).",
        },
        clientSecretBasic: {
          type: 'http',
          scheme: 'basic',
          description:
            '`client_secret_basic` (RFC 6749 §2.3.1): client_id and client_secret, form-urlencoded, then Basic.',
        },
        clientSecretPost: {
          type: 'apiKey',
          in: 'query',
          name: 'client_secret',
          description:
            '`client_secret_post`: `client_id` and `client_secret` as form parameters in the request body (OpenAPI cannot express body credentials; the location shown is nominal).',
        },
        privateKeyJwt: {
          type: 'apiKey',
          in: 'query',
          name: 'client_assertion',
          description:
            '`private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and `client_assertion` (a JWT with iss = sub = client_id, aud = the issuer or the endpoint URL, exp, jti) as form parameters in the body; the location shown is nominal.',
        },
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token issued by the token endpoint (RFC 6750).',
        },
        dpopAccessToken: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '`Authorization: DPoP <access token>` plus a `DPoP` proof header with `ath` (RFC 9449 §7).',
        },
        initialAccessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An initial access token from `INITIAL_ACCESS_TOKENS` (RFC 7591 §3).',
        },
        ownerDevice: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The owner device\'s credential (shown once when the device is added). Missing or invalid → 401 with `WWW-Authenticate: Bearer realm="owner-device"`.',
        },
        admin: {
          type: 'http',
          scheme: 'bearer',
          description: '`ADMIN_TOKEN` from the provider configuration.',
        },
      },
      parameters: {
        DPoPHeader: {
          name: 'DPoP',
          in: 'header',
          required: false,
          description:
            'A DPoP proof JWT (RFC 9449 §4) for this request (`htm`, `htu` = issuer + path, `iat`, `jti`; `ath` at resource endpoints).',
          schema: { type: 'string' },
        },
        RequestId: {
          name: 'id',
          in: 'path',
          required: true,
          description:
            "The request's `id` from the owner-device list (not the client's `auth_req_id`, which never reaches the owner device).",
          schema: { type: 'string' },
        },
      },
      headers: {
        NoStore: {
          description: 'Always `no-store` (RFC 6749 §5.1, CIBA §10.1.1).',
          schema: {
            type: 'string',
            const: 'no-store',
          },
        },
      },
      responses: {
        InvalidRequest: {
          description: '`invalid_request`: a missing, malformed or duplicated parameter, or a bad body.',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'invalid_request',
                error_description: "parameter 'scope' is included more than once",
              },
            },
          },
        },
        InvalidClient: {
          description:
            '`invalid_client`: client authentication failed (RFC 6749 §5.2). `WWW-Authenticate` is set when the client used the Authorization header.',
          headers: {
            'WWW-Authenticate': {
              schema: { type: 'string' },
              example: 'Basic realm="onboard"',
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'invalid_client',
                error_description: 'client authentication failed',
              },
            },
          },
        },
        InvalidToken: {
          description: '`invalid_token` (RFC 6750 §3.1): the bearer token is missing, unknown, expired or revoked.',
          headers: {
            'WWW-Authenticate': {
              schema: { type: 'string' },
              example: 'Bearer error="invalid_token"',
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
            },
          },
        },
        InsufficientScope: {
          description: '`insufficient_scope` (RFC 6750 §3.1).',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
            },
          },
        },
        AdminInvalidRequest: {
          description:
            '`invalid_request`: the body is not a JSON object, holds a field this endpoint does not\ntake (each unknown field is named, with the fields the endpoint takes; nothing is changed),\nor a field is malformed (named with the format expected, e.g. an E.164 phone number).\n',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              examples: {
                unknownField: {
                  summary: 'A field the endpoint does not take',
                  value: {
                    error: 'invalid_request',
                    error_description:
                      "unknown field 'mail': this request takes sub, username, email, phone_number, name, user_code",
                  },
                },
                format: {
                  summary: 'A malformed field',
                  value: {
                    error: 'invalid_request',
                    error_description:
                      "phone_number must be an E.164 phone number: '+' and 7 to 15 digits, the first not 0, such as +4915112345678",
                  },
                },
                action: {
                  summary: 'A field sent to an action, which takes none',
                  value: {
                    error: 'invalid_request',
                    error_description: "unknown field 'reason': this request takes no fields",
                  },
                },
              },
            },
          },
        },
        OwnerDeviceUnauthorized: {
          description:
            '`invalid_token`: the device credential is missing, unknown, or its device or owner is disabled.',
          headers: {
            'WWW-Authenticate': {
              schema: { type: 'string' },
              example:
                'Bearer realm="owner-device", error="invalid_token", error_description="the device credential is not valid"',
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'invalid_token',
                error_description: 'the device credential is not valid',
              },
            },
          },
        },
        NotFound: {
          description:
            '`not_found`: no such resource (for the owner-device API: no request with this id for this owner).',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'not_found',
                error_description: 'no such authentication request',
              },
            },
          },
        },
        Conflict: {
          description: '`conflict`: the request is no longer pending (already answered, or expired).',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'conflict',
                error_description: 'the authentication request has expired',
              },
            },
          },
        },
        MethodNotAllowed: {
          description:
            '`invalid_request` with status 405: the path exists but not for this method; `Allow` lists the methods.',
          headers: {
            Allow: {
              schema: { type: 'string' },
              example: 'POST',
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'invalid_request',
                error_description: 'use POST',
              },
            },
          },
        },
        TemporarilyUnavailable: {
          description:
            '`temporarily_unavailable` (status 503, with `Retry-After`): the provider cannot serve the request now (e.g. its database is unavailable). Retry after the indicated number of seconds.',
          headers: {
            'Retry-After': {
              schema: { type: 'integer' },
              example: 1,
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'temporarily_unavailable',
                error_description: 'too many requests waiting; retry shortly',
              },
            },
          },
        },
        TooManyAttempts: {
          description:
            '`slow_down` with status 429 and `Retry-After` (README, "Limits"): the source address failed to authenticate too often (20 times in 5 minutes by default) and is refused for a while (15 minutes by default), whatever credential it sends now.',
          headers: {
            'Retry-After': {
              schema: { type: 'integer' },
              example: 900,
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'slow_down',
                error_description: 'too many failed authentications from this address; try again in 900 seconds',
              },
            },
          },
        },
        PayloadTooLarge: {
          description: '`invalid_request` with status 413: the body exceeds 256 KiB.',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
              example: {
                error: 'invalid_request',
                error_description: 'request body exceeds 262144 bytes',
              },
            },
          },
        },
        Unauthorized: {
          description: '`invalid_token`: the admin bearer token is missing or wrong.',
          headers: {
            'WWW-Authenticate': {
              schema: { type: 'string' },
              example: 'Bearer realm="admin", error="invalid_token"',
            },
          },
          content: {
            'application/json': {
              schema: schema('OAuthError'),
            },
          },
        },
        AdminDisabled: {
          description:
            '`not_found`: the admin API is disabled (no `ADMIN_TOKEN` configured); every admin path answers 404.',
          content: {
            'application/json': {
              schema: schema('OAuthError'),
            },
          },
        },
        Userinfo: {
          description:
            "Claims about the authenticated owner, limited by the token's scope (OIDC Core §5.3.2): JSON,\nor, for a client registered with `userinfo_signed_response_alg`, a JWT signed with that alg\nwhose claims also carry `iss` (the issuer) and `aud` (the client id).\n",
          headers: {
            'Cache-Control': {
              $ref: '#/components/headers/NoStore',
            },
          },
          content: {
            'application/json': {
              schema: schema('Userinfo'),
              example: {
                sub: 'alice',
                name: 'Alice Example',
                email: 'alice@example.com',
                phone_number: '+4915112345678',
              },
            },
            'application/jwt': {
              schema: {
                type: 'string',
                description: 'Compact JWS (RFC 7515 §7.1) of the claims.',
              },
            },
          },
        },
        Decision: {
          description: 'The decision was recorded.',
          headers: {
            'Cache-Control': {
              $ref: '#/components/headers/NoStore',
            },
          },
          content: {
            'application/json': {
              schema: schema('DecisionResult'),
              example: {
                id: '5f0c3a5e-1b8f-4d5e-9b55-2f1e0d7c9a10',
                status: 'approved',
              },
            },
          },
        },
      },
      schemas: {
        OAuthError: {
          type: 'object',
          description: 'RFC 6749 §5.2 error body; nothing else is in it (CIBA §13).',
          required: ['error'],
          properties: {
            error: {
              type: 'string',
              examples: [
                'invalid_request',
                'invalid_client',
                'invalid_grant',
                'unauthorized_client',
                'unsupported_grant_type',
                'invalid_scope',
                'authorization_pending',
                'slow_down',
                'expired_token',
                'access_denied',
                'expired_login_hint_token',
                'unknown_user_id',
                'missing_user_code',
                'invalid_user_code',
                'invalid_binding_message',
                'invalid_authorization_details',
                'invalid_dpop_proof',
                'use_dpop_nonce',
                'invalid_token',
                'insufficient_scope',
                'invalid_client_metadata',
                'unsupported_token_type',
                'not_found',
                'conflict',
                'too_many_requests',
                'server_error',
              ],
            },
            error_description: { type: 'string' },
            error_uri: {
              type: 'string',
              format: 'uri',
            },
          },
        },
        ProviderMetadata: {
          type: 'object',
          description: 'OpenID Provider metadata; unknown members may be added.',
          required: [
            'issuer',
            'jwks_uri',
            'token_endpoint',
            'backchannel_authentication_endpoint',
            'backchannel_token_delivery_modes_supported',
            'grant_types_supported',
          ],
          properties: {
            issuer: {
              type: 'string',
              format: 'uri',
            },
            jwks_uri: {
              type: 'string',
              format: 'uri',
            },
            token_endpoint: {
              type: 'string',
              format: 'uri',
            },
            backchannel_authentication_endpoint: {
              type: 'string',
              format: 'uri',
            },
            userinfo_endpoint: {
              type: 'string',
              format: 'uri',
            },
            introspection_endpoint: {
              type: 'string',
              format: 'uri',
            },
            revocation_endpoint: {
              type: 'string',
              format: 'uri',
            },
            registration_endpoint: {
              type: 'string',
              format: 'uri',
            },
            grant_types_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            backchannel_token_delivery_modes_supported: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['poll', 'ping', 'push'],
              },
            },
            backchannel_authentication_request_signing_alg_values_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            backchannel_user_code_parameter_supported: { type: 'boolean' },
            token_endpoint_auth_methods_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            token_endpoint_auth_signing_alg_values_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            id_token_signing_alg_values_supported: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['RS256', 'ES256', 'PS256'],
              },
              description: 'RS256 (the default), ES256, PS256; under FAPI_CIBA only ES256 and PS256.',
            },
            userinfo_signing_alg_values_supported: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['RS256', 'ES256', 'PS256'],
              },
              description: 'Algs of signed UserInfo responses (`userinfo_signed_response_alg`).',
            },
            dpop_signing_alg_values_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            token_response_encryption_alg_values_supported: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['ECDH-ES+A256KW', 'ECDH-ES'],
              },
              description: 'Onboard extension - JWE alg values of encrypted token responses.',
            },
            token_response_encryption_enc_values_supported: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['A256GCM', 'A128GCM'],
              },
              description: 'Onboard extension - JWE enc values of encrypted token responses.',
            },
            scopes_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            claims_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            acr_values_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            subject_types_supported: {
              type: 'array',
              items: { type: 'string' },
            },
            authorization_details_types_supported: {
              type: 'array',
              items: { type: 'string' },
            },
          },
          additionalProperties: true,
        },
        Jwks: {
          type: 'object',
          required: ['keys'],
          properties: {
            keys: {
              type: 'array',
              items: {
                type: 'object',
                required: ['kty', 'kid'],
                properties: {
                  kty: { type: 'string' },
                  kid: { type: 'string' },
                  alg: { type: 'string' },
                  use: { type: 'string' },
                },
                additionalProperties: true,
              },
            },
          },
        },
        BackchannelRequest: {
          type: 'object',
          description: 'CIBA §7.1 authentication request parameters (or only `request` plus client authentication).',
          properties: {
            scope: {
              type: 'string',
              description: 'Space-separated; must contain `openid`.',
            },
            login_hint: {
              type: 'string',
              description: 'Email, phone number, username or sub of the owner.',
            },
            login_hint_token: {
              type: 'string',
              description: 'A JWT from a trusted issuer (`LOGIN_HINT_TOKEN_ISSUERS`) identifying the owner.',
            },
            id_token_hint: {
              type: 'string',
              description:
                'An ID token this provider issued to this client (also expired, within `ID_TOKEN_HINT_MAX_AGE`).',
            },
            binding_message: {
              type: 'string',
              description: 'Shown on the owner device; bounded length (`BINDING_MESSAGE_MAX_LENGTH`), plain text.',
            },
            user_code: {
              type: 'string',
              description:
                "The owner's secret code (CIBA §7.1.2); only for clients registered with `backchannel_user_code_parameter`.",
            },
            requested_expiry: {
              type: 'integer',
              minimum: 1,
              description: 'Requested lifetime in seconds (bounded by `CIBA_MAX_EXPIRY`).',
            },
            acr_values: {
              type: 'string',
              description: 'Space-separated, in order of preference.',
            },
            client_notification_token: {
              type: 'string',
              maxLength: 1024,
              description: 'Required for ping and push clients; RFC 6750 bearer syntax.',
            },
            authorization_details: {
              type: 'string',
              description: 'RFC 9396: a JSON array, form-encoded.',
            },
            dpop_jkt: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]{43}$',
              description:
                'RFC 7638 SHA-256 thumbprint (base64url) of the DPoP key the tokens are bound to (RFC 9449 §10 applied to CIBA). Required of push clients with `dpop_bound_access_tokens`.',
            },
            request: {
              type: 'string',
              description: 'Signed request object (CIBA §7.1.1).',
            },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            client_assertion_type: { type: 'string' },
            client_assertion: { type: 'string' },
          },
        },
        BackchannelAcknowledgement: {
          type: 'object',
          required: ['auth_req_id', 'expires_in'],
          properties: {
            auth_req_id: {
              type: 'string',
              description: 'Opaque, unpadded base64url, ≥160 bits of entropy; single use.',
            },
            expires_in: {
              type: 'integer',
              minimum: 1,
            },
            interval: {
              type: 'integer',
              minimum: 1,
              description: 'Minimum seconds between token requests (poll and ping).',
            },
          },
        },
        CibaTokenRequest: {
          type: 'object',
          required: ['grant_type', 'auth_req_id'],
          properties: {
            grant_type: {
              type: 'string',
              const: 'urn:openid:params:grant-type:ciba',
            },
            auth_req_id: { type: 'string' },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            client_assertion_type: { type: 'string' },
            client_assertion: { type: 'string' },
          },
        },
        RefreshTokenRequest: {
          type: 'object',
          required: ['grant_type', 'refresh_token'],
          properties: {
            grant_type: {
              type: 'string',
              const: 'refresh_token',
            },
            refresh_token: { type: 'string' },
            scope: {
              type: 'string',
              description: 'A subset of the original scope.',
            },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            client_assertion_type: { type: 'string' },
            client_assertion: { type: 'string' },
          },
        },
        TokenResponse: {
          type: 'object',
          required: ['access_token', 'token_type', 'expires_in'],
          properties: {
            access_token: {
              type: 'string',
              description: 'JWT access token (RFC 9068, `typ: at+jwt`).',
            },
            token_type: {
              type: 'string',
              enum: ['Bearer', 'DPoP'],
            },
            expires_in: { type: 'integer' },
            refresh_token: { type: 'string' },
            id_token: {
              type: 'string',
              description:
                'RS256 by default (`id_token_signed_response_alg`: RS256, PS256, ES256); `auth_time`, `acr`, `amr`; for push also `at_hash`, `urn:openid:params:jwt:claim:auth_req_id`, `urn:openid:params:jwt:claim:rt_hash`.',
            },
            scope: { type: 'string' },
            approval_receipt: {
              type: 'string',
              description:
                'Onboard extension: the approval receipt (JWS, docs/receipts.md), for clients registered with `onboard_approval_receipts` whose request the owner approved with a passkey. Also in push payloads.',
            },
            authorization_details: {
              type: 'array',
              items: {
                type: 'object',
              },
            },
          },
        },
        EncryptedTokenResponse: {
          type: 'object',
          description:
            "Onboard extension, for clients registered with `token_response_encryption_alg`: the\ntoken response (TokenResponse) as one compact JWE (RFC 7516 §7.1) encrypted to the\nclient's `use: enc` key (X25519 preferred, P-256), `alg` and `enc` as registered, `kid`\nof that key in the header.\n",
          required: ['encrypted_token_response'],
          properties: {
            encrypted_token_response: {
              type: 'string',
              description: 'Compact JWE (five dot-separated parts).',
            },
          },
          additionalProperties: false,
        },
        PushTokenNotification: {
          description:
            "The push-mode notification (CIBA §10.3.1) POSTed to the client's\n`backchannel_client_notification_endpoint` with `Authorization: Bearer\n<client_notification_token>`: the token response plus `auth_req_id`; for a client\nregistered for encryption only `auth_req_id` and `encrypted_token_response`.\n",
          oneOf: [
            {
              allOf: [
                schema('TokenResponse'),
                {
                  type: 'object',
                  required: ['auth_req_id'],
                  properties: {
                    auth_req_id: { type: 'string' },
                  },
                },
              ],
            },
            {
              type: 'object',
              required: ['auth_req_id', 'encrypted_token_response'],
              properties: {
                auth_req_id: { type: 'string' },
                encrypted_token_response: { type: 'string' },
              },
              additionalProperties: false,
            },
          ],
        },
        Userinfo: {
          type: 'object',
          required: ['sub'],
          properties: {
            sub: { type: 'string' },
            name: { type: 'string' },
            preferred_username: { type: 'string' },
            email: { type: 'string' },
            phone_number: { type: 'string' },
          },
          additionalProperties: true,
        },
        IntrospectionResponse: {
          type: 'object',
          required: ['active'],
          properties: {
            active: { type: 'boolean' },
            client_id: { type: 'string' },
            sub: { type: 'string' },
            scope: { type: 'string' },
            token_type: { type: 'string' },
            exp: { type: 'integer' },
            iat: { type: 'integer' },
            iss: { type: 'string' },
            aud: {
              oneOf: [
                { type: 'string' },
                {
                  type: 'array',
                  items: { type: 'string' },
                },
              ],
            },
            jti: { type: 'string' },
            cnf: {
              type: 'object',
              properties: {
                jkt: { type: 'string' },
              },
            },
          },
        },
        ClientMetadata: {
          type: 'object',
          description: 'RFC 7591 §2 and CIBA §4 client metadata.',
          required: ['backchannel_token_delivery_mode'],
          properties: {
            client_name: { type: 'string' },
            token_endpoint_auth_method: {
              type: 'string',
              enum: ['private_key_jwt', 'client_secret_basic', 'client_secret_post'],
              default: 'client_secret_basic',
            },
            token_endpoint_auth_signing_alg: { type: 'string' },
            jwks: schema('Jwks'),
            jwks_uri: {
              type: 'string',
              format: 'uri',
            },
            grant_types: {
              type: 'array',
              items: {
                type: 'string',
                enum: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
              },
            },
            scope: { type: 'string' },
            backchannel_token_delivery_mode: {
              type: 'string',
              enum: ['poll', 'ping', 'push'],
            },
            backchannel_client_notification_endpoint: {
              type: 'string',
              format: 'uri',
              description: 'Required for ping and push; https (http only on loopback when allowed).',
            },
            backchannel_authentication_request_signing_alg: {
              type: 'string',
              description: 'Asymmetric only (FAPI-CIBA - PS256 or ES256).',
            },
            backchannel_user_code_parameter: {
              type: 'boolean',
              default: false,
            },
            redirect_uris: {
              type: 'array',
              items: {
                type: 'string',
                format: 'uri',
              },
              description: 'Unused by CIBA, but checked when sent (`invalid_redirect_uri`, RFC 7591 §3.2.2) and kept.',
            },
            dpop_bound_access_tokens: {
              type: 'boolean',
              default: false,
            },
            fapi_ciba_profile: {
              type: 'boolean',
              default: false,
              description:
                'Onboard extension - hold this client to the FAPI-CIBA profile (as `FAPI_CIBA=true` does for every client).',
            },
            id_token_signed_response_alg: {
              type: 'string',
              enum: ['RS256', 'ES256', 'PS256'],
              default: 'RS256',
              description:
                "OIDC Registration §2 - the alg of the client's ID tokens; RS256 by default (PS256 for FAPI clients, which may not register RS256). `none` and HMAC are refused. The registration response always states it.",
            },
            userinfo_signed_response_alg: {
              type: 'string',
              enum: ['RS256', 'ES256', 'PS256'],
              description: 'OIDC Registration §2 - UserInfo answers a JWT signed with this alg; absent - JSON.',
            },
            introspection_signed_response_alg: {
              description:
                'RFC 9701 - signed introspection responses are not offered: any value is refused with `invalid_client_metadata`.',
            },
            logo_uri: {
              type: 'string',
              format: 'uri',
              description: "OIDC Registration §2 - the client's logo, shown on the owner app's request screen (https).",
            },
            onboard_branding: {
              type: 'object',
              additionalProperties: false,
              description:
                'Onboard extension (docs/owner-app.md) - colours (`#rgb` or `#rrggbb`) and request-screen wording per language for the owner app.',
              properties: {
                primary_color: { type: 'string' },
                background_color: { type: 'string' },
                text_color: { type: 'string' },
                strings: { type: 'object', additionalProperties: { type: 'object' } },
              },
            },
            onboard_vehicle: {
              type: 'object',
              additionalProperties: false,
              description:
                "Onboard extension - a head-unit's description shown to the owner (`nickname`, `model`), never its VIN.",
              properties: {
                nickname: { type: 'string' },
                model: { type: 'string' },
              },
            },
            onboard_approval_receipts: {
              type: 'boolean',
              default: false,
              description:
                'Onboard extension (docs/receipts.md) - the client receives approval receipts in its token responses and push payloads.',
            },
            onboard_owner_notification_uri: {
              type: 'string',
              format: 'uri',
              description:
                "Onboard extension (docs/notifications.md) - the client's own app back-end: a JWS-signed POST (`onboard-owner-notification+jwt`) for each new request of this client, to forward to the owner's phone. https; retried from the outbox.",
            },
            token_response_encryption_alg: {
              type: 'string',
              enum: ['ECDH-ES+A256KW', 'ECDH-ES'],
              description:
                'Onboard extension - encrypt every token response (push body, token endpoint) to the client. Needs a `use: enc` X25519 or P-256 key in `jwks` (or `jwks_uri`).',
            },
            token_response_encryption_enc: {
              type: 'string',
              enum: ['A256GCM', 'A128GCM'],
              default: 'A256GCM',
              description: 'Requires `token_response_encryption_alg`.',
            },
          },
          additionalProperties: true,
        },
        ClientInformation: {
          allOf: [
            schema('ClientMetadata'),
            {
              type: 'object',
              required: ['client_id'],
              properties: {
                client_id: { type: 'string' },
                client_secret: {
                  type: 'string',
                  description: 'Only for client_secret_* methods; shown once.',
                },
                client_id_issued_at: { type: 'integer' },
                client_secret_expires_at: {
                  type: 'integer',
                  description: '0 = never.',
                },
              },
            },
          ],
        },
        OwnerRequest: {
          type: 'object',
          description:
            "An authentication request as the owner's device sees it. Times are ISO 8601 UTC.\nOptional members are absent when the client did not send them.\n",
          required: ['id', 'status', 'client_id', 'scope', 'created_at', 'expires_at', 'expires_in'],
          properties: {
            id: {
              type: 'string',
              description: 'The internal request id used in the owner-device URLs.',
            },
            status: {
              type: 'string',
              enum: ['pending', 'approved', 'denied', 'expired', 'consumed'],
            },
            client_id: { type: 'string' },
            client_name: {
              type: 'string',
              description: 'The registered client_name, to show to the owner.',
            },
            binding_message: {
              type: 'string',
              description: 'Show it: the owner compares it with the consumption device (CIBA §7.1).',
            },
            scope: {
              type: 'array',
              items: { type: 'string' },
            },
            acr_values: {
              type: 'array',
              items: { type: 'string' },
            },
            authorization_details: {
              type: 'array',
              items: {
                type: 'object',
              },
              description: 'RFC 9396 authorization details, as the client sent them.',
            },
            created_at: {
              type: 'string',
              format: 'date-time',
            },
            expires_at: {
              type: 'string',
              format: 'date-time',
            },
            expires_in: {
              type: 'integer',
              minimum: 0,
              description: 'Whole seconds left.',
            },
          },
        },
        OwnerRequestList: {
          type: 'object',
          required: ['requests'],
          properties: {
            requests: {
              type: 'array',
              items: schema('OwnerRequest'),
            },
            next_cursor: {
              type: 'string',
              description: 'Present when more requests may follow; pass it unchanged as `cursor` for the next page.',
            },
          },
        },
        ApprovalBody: {
          oneOf: [
            body(OWNER_DEVICE_BODIES.approve),
            {
              type: 'object',
              title: 'PasskeyApproval',
              required: ['credential'],
              additionalProperties: false,
              properties: {
                credential: {
                  type: 'object',
                  description:
                    'A signed-in owner app: the WebAuthn assertion (PublicKeyCredential JSON) over the challenge of `…/approval/options` (docs/owner-app.md).',
                },
              },
            },
          ],
        },
        DenyBody: body(OWNER_DEVICE_BODIES.deny),
        UserCodeBody: body(OWNER_DEVICE_BODIES.userCode),
        DecisionResult: {
          type: 'object',
          required: ['id', 'status'],
          properties: {
            id: { type: 'string' },
            status: {
              type: 'string',
              enum: ['approved', 'denied'],
            },
          },
        },
        Health: {
          type: 'object',
          required: ['status'],
          properties: {
            status: {
              type: 'string',
              enum: ['ok', 'unavailable'],
            },
          },
        },
        AdminOwnerInput: body(ADMIN_BODIES.createOwner),
        AdminUserCodeInput: body(ADMIN_BODIES.setUserCode),
        AdminOwnerDeviceInput: body(ADMIN_BODIES.createOwnerDevice),
        AdminClientBrandingInput: body(ADMIN_BODIES.clientBranding),
        AdminClientImportInput: body(ADMIN_BODIES.importClients),
        AdminOwner: {
          type: 'object',
          required: ['sub', 'user_code_set', 'disabled', 'created_at'],
          properties: {
            sub: { type: 'string' },
            email: { type: 'string' },
            phone_number: { type: 'string' },
            username: { type: 'string' },
            name: { type: 'string' },
            user_code_set: { type: 'boolean' },
            disabled: { type: 'boolean' },
            created_at: {
              type: 'string',
              format: 'date-time',
            },
          },
        },
        AdminOwnerDevice: {
          type: 'object',
          required: ['id', 'sub', 'disabled', 'created_at'],
          properties: {
            id: { type: 'string' },
            sub: { type: 'string' },
            name: { type: 'string' },
            disabled: { type: 'boolean' },
            created_at: {
              type: 'string',
              format: 'date-time',
            },
          },
        },
        AdminClient: {
          allOf: [
            schema('ClientMetadata'),
            {
              type: 'object',
              required: ['client_id', 'disabled', 'created_at'],
              properties: {
                client_id: { type: 'string' },
                disabled: { type: 'boolean' },
                created_at: {
                  type: 'string',
                  format: 'date-time',
                },
              },
            },
          ],
        },
        AuditEvent: {
          type: 'object',
          required: ['id', 'at', 'type'],
          properties: {
            id: { type: 'string' },
            at: {
              type: 'string',
              format: 'date-time',
            },
            type: {
              type: 'string',
              examples: ['auth_request.created', 'auth_request.approved', 'owner_device.created', 'client.disabled'],
            },
            client_id: { type: 'string' },
            sub: { type: 'string' },
            auth_request_id: { type: 'string' },
            data: {
              type: 'object',
            },
          },
        },
      },
    },
  };
}
