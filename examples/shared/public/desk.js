// The page side of a desk or kiosk example: starts a verification, follows it live over
// Server-Sent Events (/api/events) and shows it. Text only, never markup from the network.

/** Starts a verification; resolves with it, or rejects with the server's description. */
export async function startVerification(body) {
  const res = await fetch('/api/verifications', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = answer.error ?? `HTTP ${res.status}`;
    throw new Error(answer.error_description ? `${answer.error_description} (${code})` : code);
  }
  return answer;
}

/** Calls `onVerification` with every change of every verification. */
export function followVerifications(onVerification) {
  const events = new EventSource('/api/events');
  events.addEventListener('verification', (e) => onVerification(JSON.parse(e.data)));
  return events;
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};

const STATUS = {
  pending: 'Waiting for the customer to approve on their phone',
  verified: 'Verified',
  denied: 'Declined',
  expired: 'Expired: the customer did not answer in time',
  failed: 'Could not be completed',
};

const RECEIPT = {
  valid: 'Approval receipt: valid',
  invalid: 'Approval receipt: INVALID',
  unchecked: 'Approval receipt: not checked',
  not_offered: 'Approval receipt: none offered',
};

let timer;

/** Renders `v` into `panel` (a live region): the code to compare, a countdown, then the outcome. */
export function showVerification(panel, v, { codeLabel }) {
  clearInterval(timer);
  panel.replaceChildren();
  panel.dataset.status = v.status;
  panel.append(el('h2', { id: 'result-title' }, v.label));
  panel.append(el('p', { class: 'code-label', id: 'code-label' }, codeLabel));
  panel.append(el('p', { class: 'code', 'aria-describedby': 'code-label' }, v.binding_message));
  const status = el('p', { class: `status ${v.status}`, role: 'status' }, STATUS[v.status] ?? v.status);
  panel.append(status);
  if (v.status === 'pending') {
    const remaining = el('p', { class: 'countdown' });
    const tick = () => {
      const s = Math.max(0, Math.round((Date.parse(v.expires_at) - Date.now()) / 1000));
      remaining.textContent = `Expires in ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    };
    tick();
    timer = setInterval(tick, 1000);
    panel.append(remaining);
  }
  if (v.error) {
    panel.append(
      el('p', { class: 'error' }, v.error.description ? `${v.error.description} (${v.error.code})` : v.error.code),
    );
  }
  if (v.status === 'verified' && v.identity) {
    if (v.verified_message) panel.append(el('p', { class: 'verified-message' }, v.verified_message));
    const rows = [
      ['Name', v.identity.name],
      ['E-mail', v.identity.email],
      ['Phone', v.identity.phone_number],
      ['Subject', v.identity.sub],
      ['How they confirmed', [v.identity.acr, (v.identity.amr ?? []).join(', ')].filter(Boolean).join(' · ')],
      ['Confirmed at', v.identity.auth_time ? new Date(v.identity.auth_time * 1000).toLocaleString() : undefined],
    ].filter(([, value]) => value);
    const list = el('dl', { class: 'identity', 'aria-label': 'Verified identity' });
    for (const [name, value] of rows) list.append(el('dt', {}, name), el('dd', {}, value));
    panel.append(list);
  }
  if (v.receipt) {
    panel.append(
      el('p', { class: `receipt ${v.receipt.verdict}` }, `${RECEIPT[v.receipt.verdict]}. ${v.receipt.detail}`),
    );
  }
}
