import { KeyIndex } from './key-index.ts';
import type { KeyJoinSettings } from './request-key-join.ts';
import { type Side, SpillPartitions } from './spill-partitions.ts';

const MAX_DEPTH = 4;

/** A spilled record: key, weight, its values (NaN written as null). */
type SpillLine = [key: string, weight: number, values: Array<number | null>];

export interface PairJoinCounts {
  pairs: number;
  /** Records of each side (0 champion, 1 challenger) left without a partner. */
  unpaired: [number, number];
  spill: { partitions: number; levels: number; bytes: number } | null;
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
  private spill: SpillPartitions | undefined;
  private levels = 0;
  private spillBytes = 0;
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
    try {
      // Records still waiting may pair with ones spilled earlier: all meet in the partitions.
      await this.spillWaiting();
      await spill.flush();
      this.spillBytes += spill.bytesWritten;
      for (let p = 0; p < spill.partitions; p++) await this.joinPartition(spill, p, 1);
    } finally {
      await spill.remove();
    }
    this.counts.spill = { partitions: spill.partitions, levels: this.levels, bytes: this.spillBytes };
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
    if (this.spill === undefined) {
      this.spill = SpillPartitions.create(this.settings.spillDirectory, this.settings.spillPartitions, 0);
      this.levels = 1;
    }
    const spill = this.spill;
    const epoch = this.epoch;
    this.epoch = new EpochTable(this.width);
    const writes: Array<Promise<void>> = [];
    for (let slot = 0; slot < epoch.size; slot++) {
      if (epoch.paired[slot] === 1) continue;
      const key = epoch.index.key(slot);
      const flushing = spill.write(
        epoch.side[slot] as Side,
        key,
        encode(key, epoch.weight[slot] as number, epoch.view(slot)),
      );
      if (flushing !== undefined) writes.push(flushing);
    }
    return Promise.all(writes).then(() => undefined);
  }

  private async joinPartition(spill: SpillPartitions, partition: number, depth: number): Promise<void> {
    let champions = new EpochTable(this.width);
    let oversized = false;
    let duplicates = 0;
    await spill.forEach(0, partition, (line) => {
      if (oversized) return;
      const { key, weight, values } = decode(line);
      if (champions.index.get(key) !== undefined) duplicates += 1;
      else champions.add(key, 0, weight, values);
      if (champions.size > this.settings.maxKeysInMemory && depth < MAX_DEPTH) {
        oversized = true;
        champions = new EpochTable(this.width);
      }
    });
    if (oversized) {
      await this.splitPartition(spill, partition, depth);
      return;
    }
    this.counts.unpaired[0] += duplicates;
    await spill.forEach(1, partition, (line) => {
      const { key, values } = decode(line);
      const slot = champions.index.get(key);
      if (slot === undefined || champions.paired[slot] === 1) this.counts.unpaired[1] += 1;
      else {
        this.pair(champions.view(slot), values, champions.weight[slot] as number);
        champions.markPaired(slot);
      }
    });
    this.counts.unpaired[0] += champions.waiting;
  }

  private async splitPartition(spill: SpillPartitions, partition: number, depth: number): Promise<void> {
    const sub = SpillPartitions.create(spill.directory, spill.partitions, spill.seed + 1);
    this.levels = Math.max(this.levels, depth + 1);
    try {
      for (const side of [0, 1] as Side[]) {
        // The key is the first element of every spilled line.
        await spill.forEach(side, partition, (line) =>
          sub.write(side, (JSON.parse(line) as [string])[0], line),
        );
      }
      await sub.flush();
      this.spillBytes += sub.bytesWritten;
      for (let p = 0; p < sub.partitions; p++) await this.joinPartition(sub, p, depth + 1);
    } finally {
      await sub.remove();
    }
  }
}
