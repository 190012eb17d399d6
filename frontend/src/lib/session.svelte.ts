// Who is signed in: the token and user, kept in localStorage so a reload keeps the session.
import { api, call, setToken, type User } from './api/client';

const STORAGE_KEY = 'fapai.session';

interface Stored {
  token: string;
  expires_at: string;
  user: User;
}

function load(): Stored | null {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
    if (stored && Date.parse(stored.expires_at) > Date.now()) return stored;
  } catch {
    // A damaged entry is a signed-out session.
  }
  return null;
}

class Session {
  user = $state<User | null>(null);

  constructor() {
    if (typeof localStorage === 'undefined') return;
    const stored = load();
    if (stored) {
      setToken(stored.token);
      this.user = stored.user;
    }
  }

  signIn(token: string, expiresAt: string, user: User): void {
    setToken(token);
    this.user = user;
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ token, expires_at: expiresAt, user }));
  }

  signOut(): void {
    setToken(null);
    this.user = null;
    localStorage.removeItem(STORAGE_KEY);
  }

  /** Signs out if the server no longer accepts the token (expired, or the account changed). */
  async refresh(): Promise<void> {
    if (!this.user) return;
    const me = await call(() => api.GET('/api/me'));
    if (!me.ok && me.error.status === 401) this.signOut();
    else if (me.ok) this.user = me.data;
  }
}

export const session = new Session();
