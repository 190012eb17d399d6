// 中文（默认）: every string the app shows, by area (the public pages, a bidder's path, the court's console).
// en.ts has the same keys.
import { bidder } from './zh/bidder';
import { court } from './zh/court';
import { pages } from './zh/pages';

export const zh = { ...pages, ...bidder, ...court } as const;
