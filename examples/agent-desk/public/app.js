import { followVerifications, showVerification, startVerification } from '/desk.js';

const form = document.getElementById('verify');
const panel = document.getElementById('result');
const error = document.getElementById('form-error');
const purpose = document.getElementById('purpose');
let current;

const config = await fetch('/api/config').then((r) => r.json());
for (const [value, label] of Object.entries(config.purposes)) purpose.append(new Option(label, value));

const show = (v) => {
  panel.hidden = false;
  showVerification(panel, v, { codeLabel: 'Read this code to the customer. It must match the one on their phone.' });
};

followVerifications((v) => v.id === current && show(v));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const v = await startVerification({ customer: form.customer.value, purpose: purpose.value });
    current = v.id;
    show(v);
  } catch (e) {
    error.textContent = e.message;
  } finally {
    button.disabled = false;
  }
});
