// The id of the browser the web app runs in: random, kept in this browser, sent only with a registration
// (`X-Fapai-Device`), where the server keeps it hashed for the court's signals of shill bidding.
const KEY = 'fapai.device';

export function deviceId(): string {
  try {
    const known = localStorage.getItem(KEY);
    if (known) return known;
    const made = crypto.randomUUID();
    localStorage.setItem(KEY, made);
    return made;
  } catch {
    // No storage (a private window that refuses it): an id for this page only.
    return crypto.randomUUID();
  }
}
