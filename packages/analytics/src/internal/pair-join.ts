import { GraceSpill, type KeyJoinSettings, type SpillCounts } from './grace-spill.ts';
import { KeyIndex } from './key-index.ts';
import type { Side, SpillPartitions } from './spill-partitions.ts';

/** A spilled record: key, weight, its values (NaN written as null). */
type SpillLine = [key: string, weight: number, values: Array<number | null>];

export interface PairJoinCounts {
  pairs: number;
  /** Records of each side (0 champion, 1 challenger) left without a partner. */
  unpaired: [number, number];
  spill: SpillCounts | null;
}

/** What a record carries into the join: a fixed number of values (NaN for none). */
export type PairValues = ArrayLike<number>;

/**
 * Records of one epoch in columns: an off-heap key index, and per record its side, weight, `width`
 * values and whether it has been paired, in typed arrays. Nothing is deleted: a paired record is
 * flagged, and the whole table is dropped at the epoch's end (a spill, or the end of the input).
 */
class EpochTable {
  index = new KeyIndex();
  private readonly width: number;
  side = new Uint8Array(1024);
  paired = new Uint8Array(1024);
  weight = new Float64Array(1024);
  values: Float64Array;
  /** Records not yet paired. */
  waiting = 0;

  constructor(width: number) {
    this.width = width;
    this.values = new Float64Array(1024 * width);
  }

  get size(): number {
    return this.index.size;
  }

  add(key: string, side: Side, weight: number, values: PairValues): void {
    const slot = this.index.add(key);
    if (slot >= this.side.length) this.grow();
    this.side[slot] = side;
    this.paired[slot] = 0;
    this.weight[slot] = weight;
    for (let i = 0; i < this.width; i++) this.values[slot * this.width + i] = values[i] as number;
    this.waiting += 1;
  }

  markPaired(slot: number): void {
    this.paired[slot] = 1;
    this.waiting -= 1;
  }

  view(slot: number): Float64Array {
    return this.values.subarray(slot * this.width, (slot + 1) * this.width);
  }

  private grow(): void {
    const size = this.side.length * 2;
    const side = new Uint8Array(size);
    side.set(this.side);
    const paired = new Uint8Array(size);
    paired.set(this.paired);
    const weight = new Float64Array(size);
    weight.set(this.weight);
    const values = new Float64Array(size * this.width);
    values.set(this.values);
    this.side = side;
    this.paired = paired;
    this.weight = weight;
    this.values = values;
  }
}

function encode(key: string, weight: number, values: PairValues): string {
  const line: SpillLine = [key, weight, Array.from(values, (v) => (Number.isNaN(v) ? null : v))];
  return JSON.stringify(line);
}

function decode(text: string): { key: string; weight: number; values: number[] } {
  const [key, weight, values] = JSON.parse(text) as SpillLine;
  return { key, weight, values: values.map((v) => v ?? Number.NaN) };
}

/**
 * Pairs records of two sides (champion and challenger) by key in one pass over records arriving in
 * any order (a hybrid hash join). A record waits in an epoch table until its partner arrives;
 * shadow traffic is logged at about the same time as its request, so most pairs meet in memory.
 * After `maxKeysInMemory` records the epoch ends: the records still waiting (requests without a
 * shadow, or the other side not read yet) are appended to hash-partitioned files on disk by side
 * and a new epoch starts; at the end of the input the last epoch's waiting records join them and
 * each partition is paired in memory. Memory: one epoch of `maxKeysInMemory` records of
 * ≈ 80 + 8·width bytes, off the JS heap (and one partition at the end). A second record of the same
 * side and key counts as unpaired.
 */
export class PairJoin {
  private readonly settings: KeyJoinSettings;
  private readonly width: number;
  private readonly emit: (champion: PairValues, challenger: PairValues, weight: number) => void;
  private epoch: EpochTable;
  private spill: GraceSpill | undefined;
  readonly counts: PairJoinCounts = { pairs: 0, unpaired: [0, 0], spill: null };

  constructor(
    settings: KeyJoinSettings,
    width: number,
    emit: (champion: PairValues, challenger: PairValues, weight: number) => void,
  ) {
    this.settings = settings;
    this.width = width;
    this.emit = emit;
    this.epoch = new EpochTable(width);
  }

  /** Adds one record; returns a promise only when the waiting records are being spilled. */
  add(key: string, side: Side, weight: number, values: PairValues): void | Promise<void> {
    const epoch = this.epoch;
    const slot = epoch.index.get(key);
    if (slot !== undefined) {
      if (epoch.paired[slot] === 0 && epoch.side[slot] !== side) {
        const other = epoch.view(slot);
        if (side === 1) this.pair(other, values, epoch.weight[slot] as number);
        else this.pair(values, other, weight);
        epoch.markPaired(slot);
      } else this.counts.unpaired[side] += 1;
      return undefined;
    }
    epoch.add(key, side, weight, values);
    return epoch.size >= this.settings.maxKeysInMemory ? this.spillWaiting() : undefined;
  }

  async finish(): Promise<void> {
    const spill = this.spill;
    if (spill === undefined) {
      const epoch = this.epoch;
      for (let slot = 0; slot < epoch.size; slot++) {
        if (epoch.paired[slot] === 0) this.counts.unpaired[epoch.side[slot] as Side] += 1;
      }
      this.epoch = new EpochTable(this.width);
      return;
    }
    this.counts.spill = await spill.joinAll(
      (files, partition, maySplit) => this.joinPartition(files, partition, maySplit),
      // Records still waiting may pair with ones spilled earlier: all meet in the partitions.
      () => this.spillWaiting(),
    );
  }

  async abort(): Promise<void> {
    await this.spill?.remove();
  }

  private pair(champion: PairValues, challenger: PairValues, weight: number): void {
    this.counts.pairs += 1;
    this.emit(champion, challenger, weight);
  }

  /** Moves the waiting records to the partition files, synchronously (the writes finish later). */
  private spillWaiting(): Promise<void> {
    this.spill ??= new GraceSpill(this.settings);
    const files = this.spill.files;
    const epoch = this.epoch;
    this.epoch = new EpochTable(this.width);
    const writes: Array<Promise<void>> = [];
    for (let slot = 0; slot < epoch.size; slot++) {
      if (epoch.paired[slot] === 1) continue;
      const key = epoch.index.key(slot);
      const flushing = files.write(
        epoch.side[slot] as Side,
        key,
        encode(key, epoch.weight[slot] as number, epoch.view(slot)),
      );
      if (flushing !== undefined) writes.push(flushing);
    }
    return Promise.all(writes).then(() => undefined);
  }

  /** Pairs one spilled partition in memory; false when its champions are over the cap and may be split. */
  private async joinPartition(
    files: SpillPartitions,
    partition: number,
    maySplit: boolean,
  ): Promise<boolean> {
    let champions = new EpochTable(this.width);
    let oversized = false;
    let duplicates = 0;
    await files.forEach(0, partition, (line) => {
      if (oversized) return;
      const { key, weight, values } = decode(line);
      if (champions.index.get(key) !== undefined) duplicates += 1;
      else champions.add(key, 0, weight, values);
      if (maySplit && champions.size > this.settings.maxKeysInMemory) {
        oversized = true;
        champions = new EpochTable(this.width);
      }
    });
    if (oversized) return false;
    this.counts.unpaired[0] += duplicates;
    await files.forEach(1, partition, (line) => {
      const { key, values } = decode(line);
      const slot = champions.index.get(key);
      if (slot === undefined || champions.paired[slot] === 1) this.counts.unpaired[1] += 1;
      else {
        this.pair(champions.view(slot), values, champions.weight[slot] as number);
        champions.markPaired(slot);
      }
    });
    this.counts.unpaired[0] += champions.waiting;
    return true;
  }
}
