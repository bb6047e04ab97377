/**
 * A client's colours on the request screen, kept readable: every colour pair is
 * checked against WCAG 2.2 contrast (SC 1.4.3 text 4.5:1, SC 1.4.11 controls 3:1)
 * and a pair that fails falls back to the app's defaults.
 */
import type { BrandStrings, Branding } from '../api/types';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface BrandTheme {
  /** Approve button fill (and accents). */
  primary: string;
  /** Text on the primary colour. */
  onPrimary: string;
  background: string;
  text: string;
  /** Which of the client's colours were replaced by defaults, for the docs and tests. */
  fallbacks: Array<'text' | 'primary'>;
}

export const DEFAULT_THEME: Omit<BrandTheme, 'fallbacks'> = {
  primary: '#0b57d0',
  onPrimary: '#ffffff',
  background: '#ffffff',
  text: '#1b1c1f',
};

/** WCAG minimums: normal text (SC 1.4.3) and user-interface components (SC 1.4.11). */
export const TEXT_CONTRAST = 4.5;
export const UI_CONTRAST = 3;

/** `#rgb` or `#rrggbb`; anything else is not a colour we accept. */
export function parseHex(value: unknown): Rgb | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return undefined;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return {
    r: parseInt(hex.slice(0, 2), 16),
    g: parseInt(hex.slice(2, 4), 16),
    b: parseInt(hex.slice(4, 6), 16),
  };
}

/** Relative luminance (WCAG 2.2, "relative luminance" definition, sRGB). */
export function relativeLuminance({ r, g, b }: Rgb): number {
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** Contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const hex = (value: string) => parseHex(value) as Rgb;
const normal = (value: string) => {
  const { r, g, b } = hex(value);
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
};

/**
 * The request screen's colours for a client's branding:
 * 1. background and text are used together only if their contrast is ≥ 4.5:1,
 *    else both defaults (one alone would not say which to fix);
 * 2. the primary colour is used only if it stands out from that background (≥ 3:1)
 *    and white or near-black text on it reaches 4.5:1 (whichever is higher);
 *    otherwise the default primary, if that one passes on the background, or the
 *    text colour as a last resort.
 */
export function resolveBrandTheme(branding: Branding | undefined): BrandTheme {
  const fallbacks: BrandTheme['fallbacks'] = [];
  let background = DEFAULT_THEME.background;
  let text = DEFAULT_THEME.text;
  const bg = parseHex(branding?.background_color);
  const fg = parseHex(branding?.text_color);
  if (bg || fg) {
    const candidateBg = bg ? normal(branding!.background_color!) : background;
    const candidateFg = fg ? normal(branding!.text_color!) : text;
    if (contrastRatio(hex(candidateBg), hex(candidateFg)) >= TEXT_CONTRAST) {
      background = candidateBg;
      text = candidateFg;
    } else {
      fallbacks.push('text');
    }
  }

  const onColours = ['#ffffff', '#1b1c1f'];
  const fitPrimary = (value: string): { primary: string; onPrimary: string } | undefined => {
    if (contrastRatio(hex(value), hex(background)) < UI_CONTRAST) return undefined;
    const onPrimary = onColours.reduce((best, c) =>
      contrastRatio(hex(c), hex(value)) > contrastRatio(hex(best), hex(value)) ? c : best,
    );
    return contrastRatio(hex(onPrimary), hex(value)) >= TEXT_CONTRAST ? { primary: value, onPrimary } : undefined;
  };
  let chosen = parseHex(branding?.primary_color) ? fitPrimary(normal(branding!.primary_color!)) : undefined;
  if (!chosen) {
    if (parseHex(branding?.primary_color)) fallbacks.push('primary');
    chosen = fitPrimary(DEFAULT_THEME.primary) ??
      fitPrimary(text) ?? { primary: DEFAULT_THEME.primary, onPrimary: DEFAULT_THEME.onPrimary };
  }
  return { ...chosen, background, text, fallbacks };
}

const MAX_BRAND_STRING = 60;

/**
 * The client's wording for the request screen in the owner's language, trimmed to a
 * sane length; undefined fields fall back to the catalogue.
 */
export function brandStrings(branding: Branding | undefined, locale: string): BrandStrings {
  const raw = branding?.strings?.[locale];
  if (!raw || typeof raw !== 'object') return {};
  const out: BrandStrings = {};
  for (const key of ['request_title', 'approve_label', 'deny_label'] as const) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim()) out[key] = value.trim().slice(0, MAX_BRAND_STRING);
  }
  return out;
}
