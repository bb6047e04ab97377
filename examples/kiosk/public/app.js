import { followVerifications, showVerification, startVerification } from '/desk.js';

const form = document.getElementById('pickup');
const panel = document.getElementById('result');
const error = document.getElementById('form-error');
let current;

const show = (v) => {
  panel.hidden = false;
  showVerification(panel, v, { codeLabel: 'Check that your phone shows this code, then approve there.' });
};

followVerifications((v) => v.id === current && show(v));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const v = await startVerification({ order: form.order.value });
    current = v.id;
    show(v);
  } catch (e) {
    error.textContent = e.message;
  } finally {
    button.disabled = false;
  }
});
