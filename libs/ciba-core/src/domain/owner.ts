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
  /**
   * When the owner was last disabled (epoch ms). A watermark that stays after re-enabling:
   * every grant the owner approved up to it is dead for good (see {@link isGrantOfActiveOwner}).
   */
  disabledAt?: number;
  createdAt: number;
}

/**
 * Whether tokens of a grant the owner approved at `authTime` (epoch ms) may still be used:
 * the owner exists, is enabled, and approved the grant after their last disable. `auth_time`
 * travels in whole seconds (OIDC Core §2), so the comparison is made in seconds: a grant
 * approved within the second of a disable counts as approved before it.
 *
 * @example
 * isGrantOfActiveOwner(await stores.owners.find(record.sub), record.authTime); // false once disabled
 */
export function isGrantOfActiveOwner(owner: Owner | undefined, authTime: number): owner is Owner {
  if (!owner || owner.disabled) return false;
  return owner.disabledAt === undefined || Math.floor(authTime / 1000) * 1000 > owner.disabledAt;
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
