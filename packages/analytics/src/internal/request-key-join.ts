import type { StoredRecord } from '@predlog/schema';
import type { GroundTruth } from '../ground-truth.ts';
import { KeyFilter } from './key-filter.ts';
import { LabelTable } from './label-table.ts';
import { type Side, SpillPartitions } from './spill-partitions.ts';

/** Re-partitioning levels before a partition that is still too large is loaded whole (one hot key). */
const MAX_DEPTH = 4;

export interface KeyJoinSettings {
  readonly maxKeysInMemory: number;
  readonly spillPartitions: number;
  readonly spillDirectory?: string | undefined;
}

export type Emit<P> = (payload: P, truth: GroundTruth, weight: number) => void | Promise<void>;

/** What a join keeps of a prediction (in memory or spilled as JSON). */
export type Project<P> = (record: StoredRecord, weight: number) => P;

export interface KeyJoinCounts {
  duplicates: number;
  /** Distinct labels that found at least one prediction. */
  matched: number;
  pairs: number;
  pairsWeight: number;
  spill: { partitions: number; levels: number; bytes: number } | null;
}

type ProbeLine<P> = [key: string, timeMs: number, weight: number, payload: P];
/** A spilled label: key, time (null for none), label, value. */
type LabelLine = [
  key: string,
  timeMs: number | null,
  label: GroundTruth['label'] | null,
  value: number | null,
];

export function encodeLabel(key: string, truth: GroundTruth): string {
  const line: LabelLine = [
    key,
    Number.isFinite(truth.timeMs) ? truth.timeMs : null,
    truth.label ?? null,
    truth.value ?? null,
  ];
  return JSON.stringify(line);
}

export function decodeLabel(text: string, keyField: 'requestId' | 'entityId'): [string, GroundTruth] {
  const [key, timeMs, label, value] = JSON.parse(text) as LabelLine;
  const truth: GroundTruth = { timeMs: timeMs ?? Number.NaN };
  truth[keyField] = key;
  if (label !== null) truth.label = label;
  if (value !== null) truth.value = value;
  return [key, truth];
}

/**
 * Exact join of labels to predictions on a key (the request id). Labels are loaded first into a
 * columnar table; while it holds at most `maxKeysInMemory` keys every prediction is probed as it
 * streams by, in one pass. Past the cap both sides go to disk, hash-partitioned on the key (Grace
 * hash join): the labels already loaded and every later one, then each keyed prediction reduced to
 * its payload. Each partition is then joined in memory; one still over the cap is split again with
 * a new hash seed. Memory: at most `maxKeysInMemory` labels (≈ 50–100 bytes each), plus 64 KiB of
 * write buffer per partition file.
 */
export class RequestKeyJoin<P> {
  private readonly settings: KeyJoinSettings;
  private readonly project: Project<P>;
  private readonly emit: Emit<P>;
  private labels = new LabelTable();
  private spill: SpillPartitions | undefined;
  /** Keys of every label, from the moment the join spills: predictions without a label stay off disk. */
  private filter: KeyFilter | undefined;
  private levels = 0;
  private spillBytes = 0;
  readonly counts: KeyJoinCounts = { duplicates: 0, matched: 0, pairs: 0, pairsWeight: 0, spill: null };

  constructor(settings: KeyJoinSettings, project: Project<P>, emit: Emit<P>) {
    this.settings = settings;
    this.project = project;
    this.emit = emit;
  }

  /** Adds one label; returns a promise only when a spill file is being written. */
  addLabel(key: string, truth: GroundTruth): void | Promise<void> {
    if (this.spill !== undefined) {
      const hash = this.spill.hash(key);
      this.filter?.add(hash);
      return this.spill.writeHashed(0, hash, encodeLabel(key, truth));
    }
    if (!this.labels.put(key, truth)) this.counts.duplicates += 1;
    return this.labels.size > this.settings.maxKeysInMemory ? this.startSpilling() : undefined;
  }

  /**
   * Probes one prediction, projected only when it is kept. Returns a promise only when there is
   * something to wait for (spill files far behind, an emit that writes).
   */
  addPrediction(key: string, weight: number, record: StoredRecord): void | Promise<void> {
    if (this.spill === undefined) {
      const slot = this.labels.slot(key);
      return slot === undefined
        ? undefined
        : this.pair(this.labels, slot, key, this.project(record, weight), weight);
    }
    const hash = this.spill.hash(key);
    if (this.filter !== undefined && !this.filter.mightContain(hash)) return undefined;
    const line: ProbeLine<P> = [key, 0, weight, this.project(record, weight)];
    return this.spill.writeHashed(1, hash, JSON.stringify(line));
  }

  async finish(): Promise<void> {
    const spill = this.spill;
    if (spill === undefined) {
      this.counts.matched += this.labels.matchedCount();
      this.labels = new LabelTable();
      return;
    }
    try {
      await spill.flush();
      this.spillBytes += spill.bytesWritten;
      for (let p = 0; p < spill.partitions; p++) await this.joinPartition(spill, p, 1);
    } finally {
      await spill.remove();
      this.filter = undefined;
    }
    this.counts.spill = { partitions: spill.partitions, levels: this.levels, bytes: this.spillBytes };
  }

  /** Removes spill files after an error part-way (finish() removes them otherwise). */
  async abort(): Promise<void> {
    await this.spill?.remove();
  }

  private pair(
    table: LabelTable,
    slot: number,
    key: string,
    payload: P,
    weight: number,
  ): void | Promise<void> {
    table.markMatched(slot);
    this.counts.pairs += 1;
    this.counts.pairsWeight += weight;
    return this.emit(payload, table.truth(slot, key, 'requestId'), weight);
  }

  /** Moves the labels in memory to the partition files, synchronously (the writes finish later). */
  private startSpilling(): Promise<void> {
    const spill = SpillPartitions.create(this.settings.spillDirectory, this.settings.spillPartitions, 0);
    this.spill = spill;
    this.filter = new KeyFilter();
    this.levels = 1;
    const writes: Array<Promise<void>> = [];
    for (const [key, slot] of this.labels.keys()) {
      this.filter.add(spill.hash(key));
      const flushing = spill.write(0, key, encodeLabel(key, this.labels.truth(slot, key, 'requestId')));
      if (flushing !== undefined) writes.push(flushing);
    }
    this.labels = new LabelTable();
    return Promise.all(writes).then(() => undefined);
  }

  private async joinPartition(spill: SpillPartitions, partition: number, depth: number): Promise<void> {
    let labels = new LabelTable();
    let duplicates = 0;
    let oversized = false;
    await spill.forEach(0, partition, (line) => {
      if (oversized) return;
      const [key, truth] = decodeLabel(line, 'requestId');
      if (!labels.put(key, truth)) duplicates += 1;
      if (labels.size > this.settings.maxKeysInMemory && depth < MAX_DEPTH) {
        oversized = true;
        labels = new LabelTable();
      }
    });
    if (oversized) {
      await this.splitPartition(spill, partition, depth);
      return;
    }
    this.counts.duplicates += duplicates;
    await spill.forEach(1, partition, (line) => {
      const [key, , weight, payload] = JSON.parse(line) as ProbeLine<P>;
      const slot = labels.slot(key);
      return slot === undefined ? undefined : this.pair(labels, slot, key, payload, weight);
    });
    this.counts.matched += labels.matchedCount();
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
