/** An end user who approves requests on an authentication device. */
export interface Owner {
  /** Stable subject identifier (the `sub` claim). */
  sub: string;
  username?: string;
  email?: string;
  phoneNumber?: string;
  name?: string;
  /** scrypt hash of the user's CIBA user_code (CIBA §7.1.2), never the code itself. */
  userCodeHash?: string;
  disabled: boolean;
  createdAt: number;
}

/** A device (phone, authenticator app) an owner approves requests on. */
export interface OwnerDevice {
  id: string;
  sub: string;
  name?: string;
  /** sha-256 (base64url) of the bearer credential the device presents. */
  credentialHash: string;
  createdAt: number;
  disabled: boolean;
}
