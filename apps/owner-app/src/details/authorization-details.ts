/**
 * What a request asks for, in plain words: one renderer per `authorization_details`
 * type (RFC 9396 §2) and a generic fallback that lists the fields, plus the scopes.
 * The renderers only read what the client sent; the provider has already checked
 * the array's shape and types. Values are shown as text, never as markup.
 */
import type { I18n, MessageKey } from '../i18n/i18n';

export interface DescribedDetail {
  /** One sentence: "Pay up to €50 at Store 12". */
  title: string;
  /** Further facts, one per line. */
  lines: string[];
}

type Detail = Record<string, unknown>;
type Renderer = (detail: Detail, i18n: I18n) => DescribedDetail;

/** Longest value shown for a field, so a hostile client cannot flood the screen. */
const MAX_TEXT = 120;
const MAX_LINES = 12;

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/** A readable name from a string, or from an object's `name` (or `id`). */
function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return clip(value.trim());
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Detail;
    return nameOf(v.name) ?? nameOf(v.display_name) ?? nameOf(v.id);
  }
  return undefined;
}

/**
 * An amount `{value, currency}` formatted by Intl ("€50", "¥5,000"); whole amounts
 * without decimals. An unknown currency code is shown as given.
 */
export function formatAmount(locale: string, amount: unknown): string | undefined {
  if (typeof amount !== 'object' || amount === null) return undefined;
  const { value, currency } = amount as Detail;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(number)) return undefined;
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code)) return clip(`${value} ${typeof currency === 'string' ? currency : ''}`.trim());
  try {
    const whole = Number.isInteger(number);
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: code,
      ...(whole ? { minimumFractionDigits: 0 } : {}),
    }).format(number);
  } catch {
    return clip(`${value} ${code}`);
  }
}

/** Any JSON value as one short line of text. */
function textOf(value: unknown, i18n: I18n): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return clip(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return clip(i18n.list(value.map((v) => textOf(v, i18n)).filter(Boolean)));
  return nameOf(value) ?? clip(JSON.stringify(value));
}

const stringList = (value: unknown, i18n: I18n): string | undefined =>
  Array.isArray(value) && value.length > 0 ? textOf(value, i18n) : undefined;

/** The RFC 9396 §2.2 common fields (`actions`, `locations`) most types may carry. */
function commonLines(detail: Detail, i18n: I18n): string[] {
  const lines: string[] = [];
  const actions = stringList(detail.actions, i18n);
  if (actions) lines.push(i18n.t('details.actions', { actions }));
  const locations = stringList(detail.locations, i18n);
  if (locations) lines.push(i18n.t('details.locations', { locations }));
  return lines;
}

const vehiclePairing: Renderer = (detail, i18n) => ({
  title: i18n.t('details.vehicle_pairing'),
  lines: commonLines(detail, i18n),
});

const payment: Renderer = (detail, i18n) => {
  const amount = formatAmount(i18n.locale, detail.amount ?? detail.instructedAmount);
  if (!amount) return generic(detail, i18n);
  const merchant = nameOf(detail.merchant) ?? nameOf(detail.creditor) ?? nameOf(detail.creditorName);
  const location = nameOf(detail.location);
  const lines: string[] = [];
  let title: string;
  if (merchant) {
    title = i18n.t('details.payment_at', { amount, merchant });
    if (location) lines.push(i18n.t('details.payment_location', { location }));
  } else if (location) {
    title = i18n.t('details.payment_at', { amount, merchant: location });
  } else {
    title = i18n.t('details.payment', { amount });
  }
  return { title, lines: [...lines, ...commonLines(detail, i18n)] };
};

const orderPickup: Renderer = (detail, i18n) => {
  const order = nameOf(detail.order_id);
  if (!order) return generic(detail, i18n);
  const store = nameOf(detail.store);
  const title = store ? i18n.t('details.order_pickup_at', { order, store }) : i18n.t('details.order_pickup', { order });
  const items = Array.isArray(detail.items) ? detail.items : [];
  const lines = items.slice(0, MAX_LINES).flatMap((item) => {
    const name = nameOf(item) ?? (typeof item === 'object' && item ? nameOf((item as Detail).sku) : undefined);
    if (!name) return [];
    const quantity = typeof item === 'object' && item ? (item as Detail).quantity : undefined;
    return [
      typeof quantity === 'number' && Number.isFinite(quantity)
        ? i18n.t('details.order_item', { quantity, item: name })
        : name,
    ];
  });
  return { title, lines: [...lines, ...commonLines(detail, i18n)] };
};

/** Any other type: its name, then its fields one per line ("name: value"). */
function generic(detail: Detail, i18n: I18n): DescribedDetail {
  const type = typeof detail.type === 'string' ? clip(detail.type) : '?';
  const lines = Object.entries(detail)
    .filter(([name, value]) => name !== 'type' && value !== undefined && value !== null && value !== '')
    .slice(0, MAX_LINES)
    .map(([name, value]) =>
      i18n.t('details.field', { name: clip(name.replace(/_/g, ' ')), value: textOf(value, i18n) }),
    );
  return { title: i18n.t('details.generic', { type }), lines };
}

const RENDERERS: Record<string, Renderer> = {
  vehicle_pairing: vehiclePairing,
  payment,
  order_pickup: orderPickup,
};

/** Each entry of `authorization_details` in plain words (an entry that is not an object is skipped). */
export function describeAuthorizationDetails(details: unknown[] | undefined, i18n: I18n): DescribedDetail[] {
  if (!Array.isArray(details)) return [];
  return details
    .filter((d): d is Detail => typeof d === 'object' && d !== null && !Array.isArray(d))
    .map((d) => (RENDERERS[String(d.type)] ?? generic)(d, i18n));
}

const KNOWN_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'];

/** Each scope in plain words; unknown ones as "Access: {scope}". */
export function describeScopes(scopes: string[] | undefined, i18n: I18n): string[] {
  return (scopes ?? []).map((scope) =>
    KNOWN_SCOPES.includes(scope)
      ? i18n.t(`scope.${scope}` as MessageKey)
      : i18n.t('scope.generic', { scope: clip(scope) }),
  );
}
