import { en, type Catalogue, type MessageKey } from './en';
import { ja } from './ja';

export type { MessageKey };
export type Locale = 'en' | 'ja';
export type Params = Record<string, string | number>;

export const CATALOGUES: Record<Locale, Catalogue> = { en, ja };

/**
 * The app's language from the phone's preference list (`navigator.languages`):
 * the first entry we have a catalogue for, English otherwise.
 */
export function pickLocale(languages: readonly string[] | undefined): Locale {
  for (const tag of languages ?? []) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return 'en';
}

/** `{name}` placeholders replaced by `params`; an unknown placeholder stays visible. */
export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** Placeholder names of a template, sorted (for the catalogue check). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** Everything a screen needs to speak the owner's language. */
export interface I18n {
  locale: Locale;
  t: Translate;
  /** Date and time, e.g. "12 Mar 2025, 14:05". */
  dateTime: (iso: string | number) => string;
  /** A list joined the language's way ("a, b and c" / "a、b、c"). */
  list: (items: string[]) => string;
  /** Display name of a language, in the owner's language. */
  languageName: (tag: string) => string;
}

export function createI18n(locale: Locale): I18n {
  const catalogue = CATALOGUES[locale];
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const listFormat = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const languages = new Intl.DisplayNames([locale], { type: 'language' });
  return {
    locale,
    t: (key, params) => interpolate(catalogue[key] ?? en[key] ?? key, params),
    dateTime: (value) => {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? '' : dateFormat.format(date);
    },
    list: (items) => listFormat.format(items),
    languageName: (tag) => languages.of(tag) ?? tag,
  };
}
