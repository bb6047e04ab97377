// Seed data of the development mock: clients with and without branding, a vehicle,
// and one request template per authorization_details type the app renders.
import type { Branding } from '../src/api/types.ts';

export interface MockClient {
  id: string;
  name: string;
  logo_uri?: string;
  branding?: Branding;
  vehicle?: { nickname: string; model: string };
}

const logo = (letter: string, colour: string) =>
  'data:image/svg+xml,' +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><rect width="48" height="48" rx="12" fill="${colour}"/>` +
      `<text x="24" y="32" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`,
  );

export const CLIENTS: MockClient[] = [
  {
    id: 'northwind-bank',
    name: 'Northwind Bank',
    logo_uri: logo('N', '#00664f'),
    branding: {
      primary_color: '#00664f',
      background_color: '#f3f8f6',
      text_color: '#0f2a22',
      strings: {
        en: { request_title: 'Northwind Bank asks you to confirm a payment', approve_label: 'Approve payment' },
        ja: { request_title: 'ノースウィンド銀行からお支払いの確認', approve_label: '支払いを承認' },
      },
    },
  },
  {
    id: 'acme-head-unit-7',
    name: 'Acme Motors',
    logo_uri: logo('A', '#a12c2c'),
    vehicle: { nickname: 'Family car', model: 'Aster EV' },
  },
  {
    id: 'sakura-pharmacy-kiosk',
    name: 'Sakura Pharmacy',
    logo_uri: logo('S', '#8a3f8f'),
    // A brand colour too pale for white text: the app falls back to its own primary.
    branding: { primary_color: '#f7b8d0' },
  },
  { id: 'city-hospital-desk', name: 'City Hospital' },
];

export interface RequestTemplate {
  client_id: string;
  binding_message?: string;
  scope: string[];
  authorization_details?: unknown[];
}

export const TEMPLATES: Record<string, RequestTemplate> = {
  payment: {
    client_id: 'northwind-bank',
    binding_message: 'BLUE-4271',
    scope: ['openid'],
    authorization_details: [
      { type: 'payment', amount: { value: 50, currency: 'EUR' }, merchant: 'Store 12', location: 'Main Street 5' },
    ],
  },
  vehicle: {
    client_id: 'acme-head-unit-7',
    binding_message: 'K7-PQ2',
    scope: ['openid', 'offline_access'],
    authorization_details: [{ type: 'vehicle_pairing' }],
  },
  pickup: {
    client_id: 'sakura-pharmacy-kiosk',
    binding_message: '3319',
    scope: ['openid'],
    authorization_details: [
      {
        type: 'order_pickup',
        order_id: 'A-1042',
        store: 'Sakura Pharmacy Shibuya',
        items: [{ name: 'Ibuprofen 200 mg', quantity: 2 }, { name: 'Bandages' }],
      },
    ],
  },
  checkin: {
    client_id: 'city-hospital-desk',
    binding_message: 'MAPLE-88',
    scope: ['openid', 'profile', 'email'],
    authorization_details: [{ type: 'hospital_check_in', department: 'Radiology', appointment_at: '10:30' }],
  },
};
