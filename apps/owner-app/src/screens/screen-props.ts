import type { Api } from '../api/client';
import type { Session } from '../api/types';
import type { I18n } from '../i18n/i18n';
import type { LiveEvents } from '../live/live-events';

/** What every signed-in screen gets from the shell: plain props, no global store. */
export interface ScreenProps {
  api: Api;
  i18n: I18n;
  live: LiveEvents;
  session: Session;
}
