import type { CustomerProfile } from './customer-profiles.ts';
import type { RawTransaction } from './transaction.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Kept a little longer than the widest window so slightly late requests still count correctly. */
const HISTORY_MS = DAY_MS + HOUR_MS;

/** What the store knows about the card of one transaction, as of that transaction's time. */
export interface TransactionContext {
  /** Undefined for a card the bank has no profile for (scored as a brand-new account). */
  readonly profile: CustomerProfile | undefined;
  /** The card's earlier transactions in the hour before this one. */
  readonly txnCount1h: number;
  /** The card's earlier transactions in the 24 hours before this one. */
  readonly txnCount24h: number;
}

export interface FeatureStoreOptions {
  /** Cards whose velocity history is kept; the least recently seen card is forgotten first. */
  readonly maxTrackedCards?: number;
}

/**
 * The online feature store: customer profiles (slow-moving) plus per-card velocity counts
 * (streaming). Training replays the generated history through the same `observe()` the server
 * calls per request, so the counts mean the same thing in both places.
 */
export class FeatureStore {
  readonly #profiles: Map<string, CustomerProfile>;
  readonly #history = new Map<string, number[]>();
  readonly #maxTrackedCards: number;

  constructor(profiles: readonly CustomerProfile[], options: FeatureStoreOptions = {}) {
    this.#profiles = new Map(profiles.map((profile) => [profile.cardNumber, profile]));
    this.#maxTrackedCards = options.maxTrackedCards ?? 100_000;
  }

  get profileCount(): number {
    return this.#profiles.size;
  }

  profileFor(cardNumber: string): CustomerProfile | undefined {
    return this.#profiles.get(cardNumber);
  }

  /** Reads the card's context as of the transaction's time, then adds the transaction to its history. */
  observe(transaction: RawTransaction): TransactionContext {
    const at = Date.parse(transaction.timestamp);
    const card = transaction.card_number;
    let times = this.#history.get(card);
    if (times === undefined) {
      times = [];
    } else {
      // Re-inserting moves the card to the end of the Map's order, which makes eviction LRU.
      this.#history.delete(card);
    }
    let txnCount1h = 0;
    let txnCount24h = 0;
    for (const time of times) {
      if (time >= at) continue;
      if (time >= at - HOUR_MS) txnCount1h++;
      if (time >= at - DAY_MS) txnCount24h++;
    }
    times.push(at);
    const newest = Math.max(...times);
    const kept = times.filter((time) => time >= newest - HISTORY_MS);
    this.#history.set(card, kept);
    if (this.#history.size > this.#maxTrackedCards) {
      const oldest = this.#history.keys().next();
      if (oldest.done !== true) this.#history.delete(oldest.value);
    }
    return { profile: this.#profiles.get(card), txnCount1h, txnCount24h };
  }
}
