import { base64url } from 'jose';
export const hello = (s: string): string => base64url.encode(s);
