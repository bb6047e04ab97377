import { en } from './en';
import { createI18n, interpolate, pickLocale, placeholders } from './i18n';
import { ja } from './ja';

describe('the catalogues', () => {
  it('have exactly the same keys in English and Japanese', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders for every key in both languages', () => {
    const mismatched = Object.keys(en).filter(
      (key) => placeholders(en[key as keyof typeof en]).join() !== placeholders(ja[key as keyof typeof ja]).join(),
    );
    expect(mismatched).toEqual([]);
  });

  it('have no empty message', () => {
    const empty = [...Object.entries(en), ...Object.entries(ja)].filter(([, v]) => !v.trim()).map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it('leave no Japanese message in English words (a forgotten translation)', () => {
    const untranslated = Object.entries(ja)
      .filter(([key]) => key !== 'app.name')
      .filter(([, value]) => /^[\x20-\x7e]+$/.test(value.replace(/\{\w+\}/g, '')))
      .map(([key]) => key);
    expect(untranslated).toEqual([]);
  });
});

describe('placeholders', () => {
  it('lists the names in braces, sorted', () => {
    expect(placeholders('Pay up to {amount} at {merchant}')).toEqual(['amount', 'merchant']);
    expect(placeholders('no placeholder')).toEqual([]);
  });

  it('are filled from the parameters and an unknown one stays visible', () => {
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
});

describe('the language', () => {
  it('follows the first of the phone’s languages the app speaks', () => {
    expect(pickLocale(['fr-FR', 'ja-JP', 'en-US'])).toBe('ja');
    expect(pickLocale(['en-GB', 'ja'])).toBe('en');
    expect(pickLocale(['JA_jp'])).toBe('ja');
  });

  it('is English when the phone prefers none the app speaks', () => {
    expect(pickLocale(['de-DE', 'fr'])).toBe('en');
    expect(pickLocale([])).toBe('en');
    expect(pickLocale(undefined)).toBe('en');
  });

  it('formats dates and lists through Intl in the owner’s language', () => {
    const enI18n = createI18n('en');
    const jaI18n = createI18n('ja');
    expect(enI18n.list(['a', 'b', 'c'])).toBe('a, b, and c');
    expect(jaI18n.list(['a', 'b', 'c'])).toBe('a、b、c');
    expect(jaI18n.dateTime('2025-03-12T05:05:00Z')).toMatch(/2025\/03\/12/);
    expect(enI18n.dateTime('not a date')).toBe('');
    expect(jaI18n.languageName('ja')).toBe('日本語');
  });
});
