// The language of the app (zh-CN first, English second) and `t`, the one way to show a string.
import { en } from './en';
import { zh } from './zh';

export type MessageKey = keyof typeof zh;
export type Messages = Record<MessageKey, string>;
export type Language = 'zh-CN' | 'en';

const catalogues: Record<Language, Messages> = { 'zh-CN': zh, en };
const STORAGE_KEY = 'fapai.language';

function initial(): Language {
  if (typeof localStorage === 'undefined') return 'zh-CN';
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
}

export const i18n = $state({ language: initial() });

export function setLanguage(language: Language): void {
  i18n.language = language;
  if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, language);
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

/** The message for `key` in the current language, with `{name}` replaced from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = catalogues[i18n.language][key] ?? zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** A message looked up by a key made at run time (a status or error code); `fallback` if there is none. */
export function tDynamic(key: string, fallback: string, vars: Record<string, string | number> = {}): string {
  return key in zh ? t(key as MessageKey, vars) : fallback;
}
