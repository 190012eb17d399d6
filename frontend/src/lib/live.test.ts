import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Auction, Bid } from './api/client';
import { LiveRound, type SocketLike } from './live.svelte';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closed = false;
  constructor(readonly url: string) {}
  send(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.closed = true;
    this.onclose?.({});
  }
  close() {
    this.closed = true;
  }
}

function auction(overrides: Partial<Auction> = {}): Auction {
  return {
    id: 'r1',
    status: 'bidding',
    current_price: '702000.00',
    minimum_next_bid: '703000.00',
    bid_count: 2,
    bidding_ends_at: '2026-12-29T02:00:00.000Z',
    server_time: '2026-12-28T02:00:00.000Z',
    ...overrides,
  } as Auction;
}

function bid(seq: number, amount: string, code = seq % 2 ? 'K1' : 'K2'): Bid {
  return { seq, amount, bidder_code: code, placed_at: '2026-12-28T02:00:00.000Z', priority: false, priority_match: false, status: 'leading' };
}

describe('the live round', () => {
  let sockets: FakeSocket[];
  let reloads: number;
  let round: LiveRound;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    reloads = 0;
    round = new LiveRound({
      auctionId: 'r1',
      baseUrl: 'ws://test/api/auctions/r1/live',
      connect: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      loadBids: async () => {
        reloads += 1;
        return [bid(9, '709000.00'), bid(8, '708000.00')];
      },
      now: () => Date.parse('2026-12-28T02:00:01.000Z'),
    });
    round.start(auction(), [bid(2, '702000.00'), bid(1, '701000.00')]);
  });

  afterEach(() => {
    round.stop();
    vi.useRealTimers();
  });

  it('asks for the bids after the last one it has, and keeps the server clock offset', () => {
    expect(sockets[0].url).toBe('ws://test/api/auctions/r1/live?after_seq=2');
    sockets[0].send({ type: 'snapshot', auction: auction() });
    expect(round.online).toBe(true);
    expect(round.offsetMs).toBe(-1000);
  });

  it('adds each new bid once, newest first, the newest leading', () => {
    sockets[0].send({ type: 'snapshot', auction: auction() });
    sockets[0].send({ type: 'bid', bid: bid(3, '703000.00'), auction: auction({ current_price: '703000.00', bid_count: 3 }) });
    sockets[0].send({ type: 'bid', bid: bid(3, '703000.00'), auction: auction({ current_price: '703000.00', bid_count: 3 }) });
    expect(round.bids.map((b) => b.seq)).toEqual([3, 2, 1]);
    expect(round.bids.map((b) => b.status)).toEqual(['leading', 'outbid', 'outbid']);
    expect(round.auction?.current_price).toBe('703000.00');
  });

  it('says it is offline at once, reconnects with backoff, and catches up without a gap', () => {
    sockets[0].send({ type: 'snapshot', auction: auction() });
    sockets[0].send({ type: 'bid', bid: bid(3, '703000.00'), auction: auction({ bid_count: 3 }) });
    sockets[0].drop();
    expect(round.online).toBe(false);
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets[1].url).toBe('ws://test/api/auctions/r1/live?after_seq=3');
    // The second attempt fails too: the next wait is longer.
    sockets[1].drop();
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    const socket = sockets[2];
    socket.send({ type: 'snapshot', auction: auction({ current_price: '705000.00', bid_count: 5 }) });
    expect(round.online).toBe(true);
    expect(round.auction?.current_price).toBe('705000.00');
    socket.send({ type: 'bid', bid: bid(4, '704000.00'), auction: auction({ current_price: '705000.00', bid_count: 5 }) });
    socket.send({ type: 'bid', bid: bid(5, '705000.00'), auction: auction({ current_price: '705000.00', bid_count: 5 }) });
    expect(round.bids.map((b) => b.seq)).toEqual([5, 4, 3, 2, 1]);
    // A successful snapshot resets the backoff.
    socket.drop();
    vi.advanceTimersByTime(500);
    expect(sockets[3].url).toBe('ws://test/api/auctions/r1/live?after_seq=5');
  });

  it('reloads the record after a reset', async () => {
    sockets[0].send({ type: 'snapshot', auction: auction({ bid_count: 9 }) });
    sockets[0].send({ type: 'reset' });
    await vi.waitFor(() => expect(reloads).toBe(1));
    await vi.waitFor(() => expect(round.bids.map((b) => b.seq)).toEqual([9, 8]));
  });

  it('marks the winning bid when the round is sold, and stops reconnecting when stopped', () => {
    sockets[0].send({ type: 'snapshot', auction: auction() });
    sockets[0].send({ type: 'status', auction: auction({ status: 'sold' }) });
    expect(round.bids[0].status).toBe('winning');
    round.stop();
    sockets[0].drop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
