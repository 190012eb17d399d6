// Rounds, registrations and listings as the API sends them, for the item page's component tests.
import type { Auction, Listing, Registration } from '$lib/api/client';

export function aRound(overrides: Partial<Auction> = {}): Auction {
  return {
    id: 'r1',
    listing_id: 'l1',
    court_id: 'c1',
    title: '杭州市西湖区某小区住宅',
    category: 'real_estate',
    round: 1,
    round_kind: 'first',
    status: 'bidding',
    reference_price: '4200000.00',
    starting_price: '2940000.00',
    deposit: '300000.00',
    prepayment: '300000.00',
    increment: '10000.00',
    minimum_next_bid: '2950000.00',
    current_price: null,
    leader_code: null,
    bid_count: 0,
    extension_count: 0,
    bidding_starts_at: '2026-12-01T02:00:00Z',
    bidding_ends_at: '2026-12-02T02:00:00Z',
    scheduled_ends_at: '2026-12-02T02:00:00Z',
    registrations_count: 3,
    balance_due_days: 30,
    server_time: '2026-12-01T10:00:00Z',
    ...overrides,
  } as Auction;
}

export function aRegistration(overrides: Partial<Registration> = {}): Registration {
  return {
    id: 'g1',
    auction_id: 'r1',
    bidder_code: 'A1B2',
    deposit: { amount: '300000.00', forfeitable: '300000.00', status: 'frozen' },
    auction_title: '杭州市西湖区某小区住宅',
    auction_status: 'bidding',
    terms_version: 1,
    created_at: '2026-11-20T02:00:00Z',
    ...overrides,
  } as Registration;
}

export function aListing(overrides: Partial<Listing> = {}): Listing {
  return {
    id: 'l1',
    case_id: 'k1',
    court_id: 'c1',
    title: '杭州市西湖区某小区住宅',
    category: 'real_estate',
    description: '三室两厅，建筑面积 120 平方米。',
    location: '杭州市西湖区',
    is_housing: true,
    status: 'in_auction',
    created_at: '2026-10-01T02:00:00Z',
    files: [],
    costs: [],
    ...overrides,
  } as Listing;
}
