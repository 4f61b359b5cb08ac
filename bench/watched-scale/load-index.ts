/**
 * Child of bench/watched-scale.ts: opens the store, loads the chain's watched-address index as
 * the daemon does at start, and prints one JSON line: load ms, addresses, RSS and peak RSS,
 * and the longest the event loop waited meanwhile (a stall that could cost a lock).
 *   node --import tsx bench/watched-scale/load-index.ts '<store config JSON>' <chain>
 */
import { pino } from 'pino';

import { createWatchedAddressIndex } from '../../src/accounts/index.js';
import { openStore, type StoreConfig } from '../../src/store/index.js';

const [config, chain] = process.argv.slice(2);
if (config === undefined || chain === undefined) throw new Error('usage: load-index.ts <store config JSON> <chain>');
const store = await openStore(JSON.parse(config) as StoreConfig);
let longestStall = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longestStall = Math.max(longestStall, now - last - 10);
  last = now;
}, 10);
const index = createWatchedAddressIndex(store.accounts, pino({ level: 'silent' }));
const start = performance.now();
const set = await index.current(chain);
const ms = performance.now() - start;
clearInterval(ticker);
const rss = process.memoryUsage().rss;
await store.close();
process.stdout.write(`${JSON.stringify({ ms, addresses: set.size, rssBytes: rss, peakRssBytes: process.resourceUsage().maxRSS * 1024, longestStallMs: longestStall })}\n`);
process.exit(0);
