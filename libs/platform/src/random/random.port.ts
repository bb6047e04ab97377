/** Secrets and ids. Default: node:crypto; tests may inject a deterministic one. */
export interface Random {
  /** An unpadded base64url string of `bytes` random bytes. */
  token(bytes: number): string;
  /** A UUID naming a row (time-ordered v7 in production; never a secret). */
  uuid(): string;
}
