import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `clients`. Property names follow the domain `Client`; never leaves this lib. */
@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' }) clientId: string;
  @Column({ name: 'client_secret_hash', type: 'text', nullable: true }) clientSecretHash: string | null;
  @Column({ name: 'client_name', type: 'text', nullable: true }) clientName: string | null;
  @Column({ name: 'token_endpoint_auth_method', type: 'text' }) tokenEndpointAuthMethod: string;
  @Column({ name: 'token_endpoint_auth_signing_alg', type: 'text', nullable: true })
  tokenEndpointAuthSigningAlg: string | null;
  @Column({ name: 'jwks', type: 'simple-json', nullable: true }) jwks: unknown;
  @Column({ name: 'jwks_uri', type: 'text', nullable: true }) jwksUri: string | null;
  @Column({ name: 'grant_types', type: 'simple-json' }) grantTypes: string[];
  @Column({ name: 'scope', type: 'text', nullable: true }) scope: string | null;
  @Column({ name: 'backchannel_token_delivery_mode', type: 'text' }) backchannelTokenDeliveryMode: string;
  @Column({ name: 'backchannel_client_notification_endpoint', type: 'text', nullable: true })
  backchannelClientNotificationEndpoint: string | null;
  @Column({ name: 'backchannel_authentication_request_signing_alg', type: 'text', nullable: true })
  backchannelAuthenticationRequestSigningAlg: string | null;
  @Column({ name: 'backchannel_user_code_parameter', type: 'boolean' }) backchannelUserCodeParameter: boolean;
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean' }) dpopBoundAccessTokens: boolean;
  @Column({ name: 'token_response_encryption_alg', type: 'text', nullable: true })
  tokenResponseEncryptionAlg: string | null;
  @Column({ name: 'token_response_encryption_enc', type: 'text', nullable: true })
  tokenResponseEncryptionEnc: string | null;
  @Column({ name: 'id_token_signed_response_alg', type: 'text', nullable: true })
  idTokenSignedResponseAlg: string | null;
  @Column({ name: 'userinfo_signed_response_alg', type: 'text', nullable: true })
  userinfoSignedResponseAlg: string | null;
  @Column({ name: 'fapi_ciba', type: 'boolean' }) fapiCiba: boolean;
  @Column({ name: 'metadata', type: 'simple-json' }) metadata: Record<string, unknown>;
  @Column({ name: 'disabled', type: 'boolean' }) disabled: boolean;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}
