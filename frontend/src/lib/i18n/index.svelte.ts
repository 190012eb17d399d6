// The language of the app (zh-CN first, English second) and `t`, the one way to show a string.
// Chinese is in the first script; English is fetched when someone chooses it (most visitors never do),
// and until it arrives the Chinese text shows.
import { zh } from './zh';

export type MessageKey = keyof typeof zh;
export type Messages = Record<MessageKey, string>;
export type Language = 'zh-CN' | 'en';

const STORAGE_KEY = 'fapai.language';

function initial(): Language {
  if (typeof localStorage === 'undefined') return 'zh-CN';
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
}

export const i18n = $state({ language: initial() });
// Raw: a catalogue is read, never changed, so it needs no deep proxy; only its arrival is reactive.
let english = $state.raw<Messages | null>(null);

/** Fetches the English catalogue once; `t` shows it as soon as it is here. */
export async function loadCatalogue(language: Language): Promise<void> {
  if (language !== 'en' || english) return;
  const { en } = await import('./en');
  english = en;
}

if (i18n.language === 'en') void loadCatalogue('en');

export function setLanguage(language: Language): void {
  i18n.language = language;
  void loadCatalogue(language);
  if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, language);
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

/** The message for `key` in the current language, with `{name}` replaced from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const catalogue = i18n.language === 'en' ? english : zh;
  const template = catalogue?.[key] ?? zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** A message looked up by a key made at run time (a status or error code); `fallback` if there is none. */
export function tDynamic(key: string, fallback: string, vars: Record<string, string | number> = {}): string {
  return key in zh ? t(key as MessageKey, vars) : fallback;
}
