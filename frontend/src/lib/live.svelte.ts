// The live view of one round: the server's snapshot and every bid as it happens, over the WebSocket of
// GET /api/auctions/{id}/live. On a lost connection it says so at once (`online` false), reconnects with
// backoff and asks for the bids after the last one it has (`?after_seq=N`), so the record has no gap and
// no repeat and the price shown after a reconnect is the server's, never a stale one. A `reset` (too many
// missed) reloads the record.
import type { Auction, Bid } from './api/client';
import { clockOffset } from './time';

/** The part of the browser's WebSocket this store uses, so tests can hand it a fake one. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}

export interface LiveOptions {
  auctionId: string;
  /** Opens a socket to `url`. */
  connect?: (url: string) => SocketLike;
  /** The first page of the bid record, newest first (after a `reset` as well). */
  loadBids: () => Promise<Bid[]>;
  /** The socket address for this round: ws(s)://host/api/auctions/{id}/live. */
  baseUrl?: string;
  now?: () => number;
  /** Waits before the n-th reconnect attempt (0-based): 0.5 s, 1 s, 2 s … at most 10 s. */
  backoffMs?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt);

type Message =
  | { type: 'snapshot'; auction: Auction }
  | { type: 'bid'; bid: Bid; auction: Auction }
  | { type: 'status'; auction: Auction }
  | { type: 'reset' };

export class LiveRound {
  auction = $state<Auction | null>(null);
  /** Newest first. */
  bids = $state<Bid[]>([]);
  online = $state(false);
  /** Server time minus this browser's clock, in ms. */
  offsetMs = $state(0);
  /** Bumped on every new bid, so views can announce it. */
  bidEvents = $state(0);

  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly options: Required<Omit<LiveOptions, 'baseUrl'>> & { baseUrl: string };

  constructor(options: LiveOptions) {
    const origin = typeof location === 'undefined' ? 'ws://localhost' : location.origin.replace(/^http/, 'ws');
    this.options = {
      connect: (url) => new WebSocket(url) as unknown as SocketLike,
      now: () => Date.now(),
      backoffMs: defaultBackoff,
      baseUrl: `${origin}/api/auctions/${options.auctionId}/live`,
      ...options,
    };
  }

  /** The last bid sequence held, contiguous from the newest loaded page. */
  get lastSeq(): number {
    return this.bids.length ? this.bids[0].seq : 0;
  }

  /** Starts from a round and bid page loaded over HTTP, then follows the socket. */
  start(auction: Auction, bids: Bid[]): void {
    this.stopped = false;
    this.apply(auction);
    this.bids = [...bids].sort((a, b) => b.seq - a.seq);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.online = false;
  }

  /** An accepted bid's answer can be shown before its live message arrives. */
  applyOwnBid(auction: Partial<Auction>): void {
    if (this.auction) this.auction = { ...this.auction, ...auction };
  }

  private open(): void {
    const url = `${this.options.baseUrl}?after_seq=${this.lastSeq}`;
    const socket = this.options.connect(url);
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      try {
        this.receive(JSON.parse(String(event.data)) as Message);
      } catch {
        // A message that is not JSON is ignored; the next snapshot corrects any doubt.
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.online = false;
      this.retry();
    };
    socket.onerror = () => socket.close();
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    const wait = this.options.backoffMs(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, wait);
  }

  private apply(auction: Auction): void {
    this.auction = auction;
    this.offsetMs = clockOffset(auction.server_time, this.options.now());
  }

  private receive(message: Message): void {
    switch (message.type) {
      case 'snapshot':
        this.apply(message.auction);
        this.online = true;
        this.attempt = 0;
        break;
      case 'bid':
        this.apply(message.auction);
        this.addBid(message.bid);
        break;
      case 'status':
        this.apply(message.auction);
        this.restate();
        break;
      case 'reset':
        void this.options.loadBids().then((bids) => {
          this.bids = [...bids].sort((a, b) => b.seq - a.seq);
          this.restate();
        });
        break;
    }
  }

  private addBid(bid: Bid): void {
    if (this.bids.some((b) => b.seq === bid.seq)) return;
    this.bids = [bid, ...this.bids].sort((a, b) => b.seq - a.seq);
    this.restate();
    this.bidEvents += 1;
  }

  /** Every accepted bid takes the lead, so the newest is leading (or winning once sold), the rest outbid. */
  private restate(): void {
    const sold = this.auction?.status === 'sold';
    this.bids = this.bids.map((b, i) => {
      const status = i === 0 ? (sold ? 'winning' : 'leading') : 'outbid';
      return b.status === status ? b : { ...b, status };
    });
  }
}
