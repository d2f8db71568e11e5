import type { GroundTruth } from '../ground-truth.ts';
import { KeyIndex } from './key-index.ts';

const NONE = 0;
const TEXT = 1;
const NUMBER = 2;
const TRUE = 3;
const FALSE = 4;

/** Distinct label texts shared by reference; past this, a text is kept per entry. */
const MAX_INTERNED = 65_536;

/**
 * Labels by join key in columns: an off-heap key index (see KeyIndex), and per slot the time,
 * value, label and a matched flag in typed arrays (label texts interned; a column no label uses is
 * never allocated). About 50–100 bytes a label, none of them JS objects the garbage collector has
 * to trace.
 */
export class LabelTable {
  private readonly index = new KeyIndex();
  private kind = new Uint8Array(1024);
  private matched = new Uint8Array(1024);
  /** Interned text id, or −1 for a text kept in `loose`. */
  private text = new Int32Array(1024);
  /** Columns made on first use: times, values, numeric labels (NaN for none). */
  private time: Float64Array | undefined;
  private value: Float64Array | undefined;
  private number: Float64Array | undefined;
  private readonly texts: string[] = [];
  private readonly textIds = new Map<string, number>();
  /** Texts that did not fit the intern table, by slot. */
  private readonly loose = new Map<number, string>();

  get size(): number {
    return this.index.size;
  }

  slot(key: string): number | undefined {
    return this.index.get(key);
  }

  /**
   * Adds a label; for a key already present the later label (by time; without times, the one added
   * last) replaces it. Returns false for such a duplicate.
   */
  put(key: string, truth: GroundTruth): boolean {
    const known = this.index.get(key);
    if (known !== undefined) {
      if (!(truth.timeMs < this.timeAt(known))) this.write(known, truth);
      return false;
    }
    const slot = this.index.add(key);
    if (slot >= this.kind.length) this.grow();
    this.write(slot, truth);
    this.matched[slot] = 0;
    return true;
  }

  /** The label of a slot as an object (made on demand, short-lived). */
  truth(slot: number, key: string, keyField: 'requestId' | 'entityId'): GroundTruth {
    const truth: GroundTruth = { timeMs: this.timeAt(slot) };
    truth[keyField] = key;
    const value = this.value === undefined ? Number.NaN : (this.value[slot] as number);
    if (!Number.isNaN(value)) truth.value = value;
    switch (this.kind[slot]) {
      case TEXT: {
        const id = this.text[slot] as number;
        const text = id >= 0 ? this.texts[id] : this.loose.get(slot);
        if (text !== undefined) truth.label = text;
        break;
      }
      case NUMBER:
        truth.label = (this.number as Float64Array)[slot] as number;
        break;
      case TRUE:
        truth.label = true;
        break;
      case FALSE:
        truth.label = false;
        break;
    }
    return truth;
  }

  markMatched(slot: number): void {
    this.matched[slot] = 1;
  }

  matchedCount(): number {
    let count = 0;
    for (let i = 0; i < this.index.size; i++) count += this.matched[i] as number;
    return count;
  }

  *keys(): Generator<[string, number]> {
    for (let slot = 0; slot < this.index.size; slot++) yield [this.index.key(slot), slot];
  }

  private timeAt(slot: number): number {
    return this.time === undefined ? Number.NaN : (this.time[slot] as number);
  }

  private column(existing: Float64Array | undefined): Float64Array {
    if (existing !== undefined) return existing;
    return new Float64Array(this.kind.length).fill(Number.NaN);
  }

  private write(slot: number, truth: GroundTruth): void {
    if (!Number.isNaN(truth.timeMs) || this.time !== undefined) {
      this.time = this.column(this.time);
      this.time[slot] = truth.timeMs;
    }
    if (truth.value !== undefined || this.value !== undefined) {
      this.value = this.column(this.value);
      this.value[slot] = truth.value ?? Number.NaN;
    }
    const label = truth.label;
    this.loose.delete(slot);
    if (typeof label === 'string') {
      let id = this.textIds.get(label);
      if (id === undefined && this.texts.length < MAX_INTERNED) {
        id = this.texts.length;
        this.texts.push(label);
        this.textIds.set(label, id);
      }
      this.kind[slot] = TEXT;
      this.text[slot] = id ?? -1;
      if (id === undefined) this.loose.set(slot, label);
    } else if (typeof label === 'number') {
      this.kind[slot] = NUMBER;
      this.number = this.column(this.number);
      this.number[slot] = label;
    } else if (typeof label === 'boolean') {
      this.kind[slot] = label ? TRUE : FALSE;
    } else {
      this.kind[slot] = NONE;
    }
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    const matched = new Uint8Array(size);
    matched.set(this.matched);
    const text = new Int32Array(size);
    text.set(this.text);
    this.kind = kind;
    this.matched = matched;
    this.text = text;
    const widen = (from: Float64Array | undefined): Float64Array | undefined => {
      if (from === undefined) return undefined;
      const to = new Float64Array(size).fill(Number.NaN);
      to.set(from);
      return to;
    };
    this.time = widen(this.time);
    this.value = widen(this.value);
    this.number = widen(this.number);
  }
}
