/**
 * The owner-device API as the app sees it (docs/owner-app.md links the contract).
 * Wire names stay snake_case here: these types describe JSON bodies, nothing else.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

export type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
};

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed';

/** Request-screen wording a client may set, per language (`onboard_branding.strings`). */
export interface BrandStrings {
  request_title?: string;
  approve_label?: string;
  deny_label?: string;
}

/** The client's `onboard_branding` metadata. */
export interface Branding {
  primary_color?: string;
  background_color?: string;
  text_color?: string;
  strings?: Partial<Record<string, BrandStrings>>;
}

export interface RequestView {
  id: string;
  status: RequestStatus;
  client_id: string;
  client_name?: string;
  binding_message?: string;
  scope: string[];
  acr_values?: string[];
  authorization_details?: unknown[];
  created_at: string;
  expires_at: string;
  expires_in: number;
  client?: { name?: string; logo_uri?: string; branding?: Branding };
  vehicle?: { nickname?: string; model?: string };
}

export interface RequestPage {
  requests: RequestView[];
  next_cursor?: string;
}

export interface Device {
  id: string;
  name: string;
  kind: 'passkey' | 'credential';
  created_at: string;
  last_used_at?: string;
  current: boolean;
}

export interface Owner {
  sub?: string;
  display_name?: string;
}

export interface Session {
  owner: Owner;
  device: Device;
}

export interface Vehicle {
  client_id: string;
  nickname: string;
  model?: string;
  paired_at: string;
  last_active_at?: string;
}

export interface Invitation {
  invitation_id: string;
  url: string;
  expires_at: string;
}

export interface EnrolmentOptions {
  enrolment_id: string;
  owner: Owner;
  public_key: PublicKeyCredentialCreationOptionsJSON;
}

export interface SignInOptions {
  challenge_id: string;
  public_key: PublicKeyCredentialRequestOptionsJSON;
}

/** What the approval's WebAuthn challenge commits to (its SHA-256 is the challenge). */
export interface Commitment {
  auth_req_id_sha256: string;
  client_id: string;
  binding_message?: string;
  scope: string | string[];
  authorization_details?: unknown[];
  nonce: string;
}

export interface ApprovalOptions {
  public_key: PublicKeyCredentialRequestOptionsJSON;
  commitment: Commitment;
}

/** `event: request.updated` of the live channel. */
export interface RequestUpdate {
  id: string;
  status: RequestStatus;
}

/** The Web Push payload (decrypted by the browser; docs/notifications.md): what the lock screen shows. */
export interface PushPayload {
  type: 'request.created';
  request_id: string;
  /** The asking client's display name. */
  client_name?: string;
  binding_message?: string;
}
