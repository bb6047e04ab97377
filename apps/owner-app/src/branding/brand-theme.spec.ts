import {
  DEFAULT_THEME,
  brandStrings,
  contrastRatio,
  parseHex,
  relativeLuminance,
  resolveBrandTheme,
} from './brand-theme';

describe('contrast', () => {
  it('follows the WCAG definitions: black on white is 21:1, a colour on itself 1:1', () => {
    expect(contrastRatio(parseHex('#000')!, parseHex('#fff')!)).toBeCloseTo(21, 5);
    expect(contrastRatio(parseHex('#777777')!, parseHex('#777777')!)).toBe(1);
    expect(relativeLuminance(parseHex('#ffffff')!)).toBeCloseTo(1, 6);
  });

  it('matches known ratios (#767676 on white is the 4.5:1 grey)', () => {
    expect(contrastRatio(parseHex('#767676')!, parseHex('#ffffff')!)).toBeCloseTo(4.54, 2);
    expect(contrastRatio(parseHex('#0b57d0')!, parseHex('#ffffff')!)).toBeGreaterThan(4.5);
  });

  it('accepts only #rgb and #rrggbb', () => {
    expect(parseHex('#0F0')).toEqual({ r: 0, g: 255, b: 0 });
    expect(parseHex('red')).toBeUndefined();
    expect(parseHex('#12345')).toBeUndefined();
    expect(parseHex('url(x)')).toBeUndefined();
    expect(parseHex(42)).toBeUndefined();
  });
});

describe('a client’s colours on the request screen', () => {
  it('are used when every pair reaches WCAG AA', () => {
    const theme = resolveBrandTheme({ primary_color: '#00664F', background_color: '#F4F8F6', text_color: '#102A22' });
    expect(theme).toEqual({
      primary: '#00664f',
      onPrimary: '#ffffff',
      background: '#f4f8f6',
      text: '#102a22',
      fallbacks: [],
    });
  });

  it('put dark text on a light primary colour when that reads better', () => {
    const theme = resolveBrandTheme({ primary_color: '#ffd200', background_color: '#1b1c1f', text_color: '#ffffff' });
    expect(theme.primary).toBe('#ffd200');
    expect(theme.onPrimary).toBe('#1b1c1f');
  });

  it('fall back to the default text and background when that pair fails 4.5:1', () => {
    // #888888 on white is 3.5:1: enough for a control, not for text
    const theme = resolveBrandTheme({ primary_color: '#0b57d0', background_color: '#ffffff', text_color: '#888888' });
    expect(theme.background).toBe(DEFAULT_THEME.background);
    expect(theme.text).toBe(DEFAULT_THEME.text);
    expect(theme.fallbacks).toEqual(['text']);
  });

  it('fall back to the default primary when it does not stand out from the background (3:1)', () => {
    const theme = resolveBrandTheme({ primary_color: '#f0f0f0' });
    expect(theme.primary).toBe(DEFAULT_THEME.primary);
    expect(theme.fallbacks).toEqual(['primary']);
  });

  it('fall back when no label colour reaches 4.5:1 on the primary colour', () => {
    // mid grey: 3:1 against white, but neither white nor near-black text reaches 4.5:1 on it
    const theme = resolveBrandTheme({ primary_color: '#7a7a7a' });
    expect(contrastRatio(parseHex('#7a7a7a')!, parseHex('#ffffff')!)).toBeGreaterThan(3);
    expect(theme.primary).toBe(DEFAULT_THEME.primary);
    expect(theme.fallbacks).toEqual(['primary']);
  });

  it('use the text colour as primary when even the default primary fails on a branded background', () => {
    const theme = resolveBrandTheme({ primary_color: '#0b2a66', background_color: '#0b3a8a', text_color: '#ffffff' });
    expect(theme.background).toBe('#0b3a8a');
    expect(theme.primary).toBe('#ffffff');
    expect(contrastRatio(parseHex(theme.onPrimary)!, parseHex(theme.primary)!)).toBeGreaterThanOrEqual(4.5);
  });

  it('are the defaults without branding, and ignore values that are not colours', () => {
    expect(resolveBrandTheme(undefined)).toEqual({ ...DEFAULT_THEME, fallbacks: [] });
    expect(resolveBrandTheme({ primary_color: 'javascript:alert(1)' })).toEqual({ ...DEFAULT_THEME, fallbacks: [] });
  });
});

describe('a client’s wording', () => {
  it('is taken in the owner’s language, trimmed and bounded', () => {
    const branding = {
      strings: { ja: { request_title: '  ノースウィンド銀行の確認  ', approve_label: 'x'.repeat(200) }, en: {} },
    };
    expect(brandStrings(branding, 'ja')).toEqual({
      request_title: 'ノースウィンド銀行の確認',
      approve_label: 'x'.repeat(60),
    });
    expect(brandStrings(branding, 'en')).toEqual({});
    expect(brandStrings(undefined, 'en')).toEqual({});
  });
});
