// A file of an unpublished listing is the court's only: the browser's <img> cannot send the judge's token,
// so the console fetches the bytes with it and shows them from a blob: URL (the content policy allows blob:).
import { currentToken } from './api/client';

/** A Svelte action: `<img use:authorizedSrc={url} />`. */
export function authorizedSrc(img: HTMLImageElement, url: string) {
  let objectUrl: string | null = null;
  let current = url;

  async function load(target: string) {
    const token = currentToken();
    const response = await fetch(target, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch(() => null);
    if (!response?.ok || target !== current) return;
    const blob = await response.blob();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(blob);
    img.src = objectUrl;
  }

  void load(url);
  return {
    update(next: string) {
      current = next;
      void load(next);
    },
    destroy() {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    },
  };
}

/** Saves a file that needs the judge's token (a registration's power of attorney) under its own name. */
export async function downloadAuthorized(url: string, name: string): Promise<boolean> {
  const token = currentToken();
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch(() => null);
  if (!response?.ok) return false;
  const objectUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = objectUrl;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
  return true;
}
