// English, fetched only when chosen: the same keys as zh.ts, by the same areas.
import type { Messages } from './index.svelte';
import { bidder } from './en/bidder';
import { court } from './en/court';
import { pages } from './en/pages';

export const en: Messages = { ...pages, ...bidder, ...court };
