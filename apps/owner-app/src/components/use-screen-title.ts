import { useEffect } from 'preact/hooks';

/** The document title names the screen, for tabs, history and screen readers. */
export function useScreenTitle(title: string, appName: string): void {
  useEffect(() => {
    document.title = `${title} · ${appName}`;
  }, [title, appName]);
}
