import { InvalidClientMetadata } from '../errors/oauth-error';
import type { RawMetadata } from './metadata-values';

/** Longest `logo_uri`: an https URL, or an inline `data:image/…` URI of a small logo. */
const MAX_LOGO_URI = 32 * 1024;
const MAX_TEXT = 60;
const COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const BRAND_STRINGS = ['request_title', 'approve_label', 'deny_label'];
const BRAND_COLOURS = ['primary_color', 'background_color', 'text_color'];

/** What the owner app shows of a client, as registered (wire form). */
export interface BrandingMetadata {
  logo_uri?: string;
  onboard_branding?: Record<string, unknown>;
  onboard_vehicle?: { nickname?: string; model?: string };
  onboard_approval_receipts?: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new InvalidClientMetadata(`${name} must be a string of 1 to ${MAX_TEXT} characters`);
  }
  return value;
}

function onlyFields(value: Record<string, unknown>, allowed: string[], name: string): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new InvalidClientMetadata(`${name} has an unknown field '${unknown}'`);
}

/**
 * The owner app's branding (OpenID Registration §2 `logo_uri`, and Onboard's extensions
 * documented in docs/owner-app.md): `onboard_branding` `{primary_color, background_color,
 * text_color, strings: {<language>: {request_title, approve_label, deny_label}}}`,
 * `onboard_vehicle` `{nickname, model}` (a head-unit's description, never its VIN), and
 * `onboard_approval_receipts` (the client receives approval receipts in its token responses
 * and push payloads). Colours are `#rgb` or `#rrggbb`; the app checks their contrast itself.
 */
export function checkBrandingMetadata(metadata: RawMetadata): BrandingMetadata {
  const out: BrandingMetadata = {};
  const logo = metadata.logo_uri;
  if (logo !== undefined) {
    const valid =
      typeof logo === 'string' &&
      logo.length <= MAX_LOGO_URI &&
      (/^https:\/\/[^\s]+$/.test(logo) ||
        /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(logo));
    if (!valid) throw new InvalidClientMetadata('logo_uri must be an https URL or a data:image/… base64 URI');
    out.logo_uri = logo;
  }
  const branding = metadata.onboard_branding;
  if (branding !== undefined) {
    if (!isObject(branding)) throw new InvalidClientMetadata('onboard_branding must be an object');
    onlyFields(branding, [...BRAND_COLOURS, 'strings'], 'onboard_branding');
    for (const colour of BRAND_COLOURS) {
      const value = branding[colour];
      if (value !== undefined && (typeof value !== 'string' || !COLOUR.test(value))) {
        throw new InvalidClientMetadata(`onboard_branding.${colour} must be a colour #rgb or #rrggbb`);
      }
    }
    if (branding.strings !== undefined) {
      if (!isObject(branding.strings)) throw new InvalidClientMetadata('onboard_branding.strings must be an object');
      for (const [language, strings] of Object.entries(branding.strings)) {
        if (!LANGUAGE.test(language) || !isObject(strings)) {
          throw new InvalidClientMetadata('onboard_branding.strings maps language tags to objects');
        }
        onlyFields(strings, BRAND_STRINGS, `onboard_branding.strings.${language}`);
        for (const [key, value] of Object.entries(strings)) text(value, `onboard_branding.strings.${language}.${key}`);
      }
    }
    out.onboard_branding = branding;
  }
  const vehicle = metadata.onboard_vehicle;
  if (vehicle !== undefined) {
    if (!isObject(vehicle)) throw new InvalidClientMetadata('onboard_vehicle must be an object');
    onlyFields(vehicle, ['nickname', 'model'], 'onboard_vehicle');
    out.onboard_vehicle = {
      ...(vehicle.nickname !== undefined ? { nickname: text(vehicle.nickname, 'onboard_vehicle.nickname') } : {}),
      ...(vehicle.model !== undefined ? { model: text(vehicle.model, 'onboard_vehicle.model') } : {}),
    };
  }
  const receipts = metadata.onboard_approval_receipts;
  if (receipts !== undefined) {
    if (typeof receipts !== 'boolean') throw new InvalidClientMetadata('onboard_approval_receipts must be a boolean');
    out.onboard_approval_receipts = receipts;
  }
  return out;
}
