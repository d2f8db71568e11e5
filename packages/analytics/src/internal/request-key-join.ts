import type { StoredRecord } from '@predlog/schema';
import type { GroundTruth } from '../ground-truth.ts';
import type { KeyJoinSettings, SpillCounts } from './grace-spill.ts';
import { decodeLabel, LabelSpill, type ProbeLine, type Project } from './label-spill.ts';
import { LabelTable } from './label-table.ts';
import type { SpillPartitions } from './spill-partitions.ts';

export type Emit<P> = (payload: P, truth: GroundTruth, weight: number) => void | Promise<void>;

export interface KeyJoinCounts {
  duplicates: number;
  /** Distinct labels that found at least one prediction. */
  matched: number;
  pairs: number;
  pairsWeight: number;
  spill: SpillCounts | null;
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
  private spill: LabelSpill<P> | undefined;
  readonly counts: KeyJoinCounts = { duplicates: 0, matched: 0, pairs: 0, pairsWeight: 0, spill: null };

  constructor(settings: KeyJoinSettings, project: Project<P>, emit: Emit<P>) {
    this.settings = settings;
    this.project = project;
    this.emit = emit;
  }

  /** Adds one label; returns a promise only when a spill file is being written. */
  addLabel(key: string, truth: GroundTruth): void | Promise<void> {
    if (this.spill !== undefined) return this.spill.addLabel(key, truth);
    if (!this.labels.put(key, truth)) this.counts.duplicates += 1;
    return this.labels.size > this.settings.maxKeysInMemory ? this.startSpilling() : undefined;
  }

  /**
   * Probes one prediction, projected only when it is kept. Returns a promise only when there is
   * something to wait for (spill files far behind, an emit that writes).
   */
  addPrediction(key: string, weight: number, record: StoredRecord): void | Promise<void> {
    if (this.spill !== undefined) return this.spill.addPrediction(key, 0, weight, record);
    const slot = this.labels.slot(key);
    return slot === undefined
      ? undefined
      : this.pair(this.labels, slot, key, this.project(record, weight), weight);
  }

  async finish(): Promise<void> {
    if (this.spill === undefined) {
      this.counts.matched += this.labels.matchedCount();
      this.labels = new LabelTable();
      return;
    }
    this.counts.spill = await this.spill.joinAll((files, partition, maySplit) =>
      this.joinPartition(files, partition, maySplit),
    );
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
    const spill = new LabelSpill(this.settings, this.project);
    this.spill = spill;
    const writes: Array<Promise<void>> = [];
    for (const [key, slot] of this.labels.keys()) {
      const flushing = spill.addLabel(key, this.labels.truth(slot, key, 'requestId'));
      if (flushing !== undefined) writes.push(flushing);
    }
    this.labels = new LabelTable();
    return Promise.all(writes).then(() => undefined);
  }

  /** Joins one spilled partition in memory; false when its labels are over the cap and may be split. */
  private async joinPartition(
    files: SpillPartitions,
    partition: number,
    maySplit: boolean,
  ): Promise<boolean> {
    let labels = new LabelTable();
    let duplicates = 0;
    let oversized = false;
    await files.forEach(0, partition, (line) => {
      if (oversized) return;
      const [key, truth] = decodeLabel(line, 'requestId');
      if (!labels.put(key, truth)) duplicates += 1;
      if (maySplit && labels.size > this.settings.maxKeysInMemory) {
        oversized = true;
        labels = new LabelTable();
      }
    });
    if (oversized) return false;
    this.counts.duplicates += duplicates;
    await files.forEach(1, partition, (line) => {
      const [key, , weight, payload] = JSON.parse(line) as ProbeLine<P>;
      const slot = labels.slot(key);
      return slot === undefined ? undefined : this.pair(labels, slot, key, payload, weight);
    });
    this.counts.matched += labels.matchedCount();
    return true;
  }
}
