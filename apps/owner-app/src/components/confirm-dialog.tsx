import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { I18n } from '../i18n/i18n';

/**
 * A confirmation in a native modal <dialog>: the browser traps focus and closes it
 * on Escape; focus starts on Cancel, the safe choice, and returns to the opener.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  i18n: I18n;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-title"
      onCancel={props.onCancel}
      onClose={() => props.open && props.onCancel()}
    >
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class="button danger" onClick={props.onConfirm} disabled={props.busy}>
          {props.confirmLabel}
        </button>
        <button type="button" class="button secondary" onClick={props.onCancel} autofocus>
          {props.i18n.t('common.cancel')}
        </button>
      </div>
    </dialog>
  );
}
