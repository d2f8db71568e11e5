import type { StoredRecord } from '@predlog/schema';
import type { GroundTruth } from '../ground-truth.ts';
import type { KeyJoinSettings } from './grace-spill.ts';
import { decodeLabel, LabelSpill, type ProbeLine, type Project } from './label-spill.ts';
import type { Emit, KeyJoinCounts } from './request-key-join.ts';
import type { SpillPartitions } from './spill-partitions.ts';

interface EntityLabel<P> {
  truth: GroundTruth;
  best: P | undefined;
  bestWeight: number;
  bestDistance: number;
  bestTime: number;
}

/**
 * Joins each label to the closest prediction of the same entity in time, within ±`windowMs` (ties:
 * the earlier prediction). Labels are grouped by entity in memory, each remembering its best
 * candidate so far while predictions stream by; pairs are emitted at the end. Past
 * `maxKeysInMemory` labels both sides are hash-partitioned to disk on the entity id and each
 * partition is joined the same way (see RequestKeyJoin). A prediction may be the closest for several
 * labels; each label joins at most once.
 */
export class EntityTimeJoin<P> {
  private readonly settings: KeyJoinSettings;
  private readonly windowMs: number;
  private readonly project: Project<P>;
  private readonly emit: Emit<P>;
  private labels = new Map<string, Array<EntityLabel<P>>>();
  private labelCount = 0;
  /** From the moment the join spills (LabelSpill keeps predictions of entities without a label off disk). */
  private spill: LabelSpill<P> | undefined;
  readonly counts: KeyJoinCounts = { duplicates: 0, matched: 0, pairs: 0, pairsWeight: 0, spill: null };

  constructor(settings: KeyJoinSettings, windowMs: number, project: Project<P>, emit: Emit<P>) {
    this.settings = settings;
    this.windowMs = windowMs;
    this.project = project;
    this.emit = emit;
  }

  /** Adds one label; returns a promise only when a spill file is being written. */
  addLabel(key: string, truth: GroundTruth): void | Promise<void> {
    if (this.spill !== undefined) return this.spill.addLabel(key, truth);
    this.putLabel(this.labels, key, truth);
    this.labelCount += 1;
    return this.labelCount > this.settings.maxKeysInMemory ? this.startSpilling() : undefined;
  }

  /** Offers one prediction; returns a promise only when a spill file had to be flushed. */
  addPrediction(key: string, timeMs: number, weight: number, record: StoredRecord): void | Promise<void> {
    if (!Number.isFinite(timeMs)) return undefined;
    if (this.spill !== undefined) return this.spill.addPrediction(key, timeMs, weight, record);
    const candidates = this.labels.get(key);
    if (candidates !== undefined) this.offer(candidates, timeMs, weight, () => this.project(record, weight));
    return undefined;
  }

  async finish(): Promise<void> {
    if (this.spill === undefined) {
      await this.emitBest(this.labels);
      this.labels = new Map();
      return;
    }
    this.counts.spill = await this.spill.joinAll((files, partition, maySplit) =>
      this.joinPartition(files, partition, maySplit),
    );
  }

  async abort(): Promise<void> {
    await this.spill?.remove();
  }

  private putLabel(map: Map<string, Array<EntityLabel<P>>>, key: string, truth: GroundTruth): void {
    const label: EntityLabel<P> = {
      truth,
      best: undefined,
      bestWeight: 0,
      bestDistance: Number.POSITIVE_INFINITY,
      bestTime: Number.POSITIVE_INFINITY,
    };
    const list = map.get(key);
    if (list === undefined) map.set(key, [label]);
    else list.push(label);
  }

  private offer(candidates: Array<EntityLabel<P>>, timeMs: number, weight: number, payload: () => P): void {
    let value: P | undefined;
    for (const label of candidates) {
      const distance = Math.abs(timeMs - label.truth.timeMs);
      if (!(distance <= this.windowMs)) continue;
      if (distance < label.bestDistance || (distance === label.bestDistance && timeMs < label.bestTime)) {
        value ??= payload();
        label.best = value;
        label.bestWeight = weight;
        label.bestDistance = distance;
        label.bestTime = timeMs;
      }
    }
  }

  private async emitBest(map: Map<string, Array<EntityLabel<P>>>): Promise<void> {
    for (const list of map.values()) {
      for (const label of list) {
        if (label.best === undefined) continue;
        this.counts.matched += 1;
        this.counts.pairs += 1;
        this.counts.pairsWeight += label.bestWeight;
        const done = this.emit(label.best, label.truth, label.bestWeight);
        if (done !== undefined) await done;
      }
    }
  }

  /** Moves the labels in memory to the partition files, synchronously (the writes finish later). */
  private startSpilling(): Promise<void> {
    const spill = new LabelSpill(this.settings, this.project);
    this.spill = spill;
    const writes: Array<Promise<void>> = [];
    for (const [key, list] of this.labels) {
      for (const label of list) {
        const flushing = spill.addLabel(key, label.truth);
        if (flushing !== undefined) writes.push(flushing);
      }
    }
    this.labels = new Map();
    this.labelCount = 0;
    return Promise.all(writes).then(() => undefined);
  }

  /** Joins one spilled partition in memory; false when its labels are over the cap and may be split. */
  private async joinPartition(
    files: SpillPartitions,
    partition: number,
    maySplit: boolean,
  ): Promise<boolean> {
    const labels = new Map<string, Array<EntityLabel<P>>>();
    let count = 0;
    let oversized = false;
    await files.forEach(0, partition, (line) => {
      if (oversized) return;
      const [key, truth] = decodeLabel(line, 'entityId');
      this.putLabel(labels, key, truth);
      count += 1;
      // One entity with more labels than the cap cannot be split by hashing; it is loaded whole.
      if (maySplit && count > this.settings.maxKeysInMemory && labels.size > 1) {
        oversized = true;
        labels.clear();
      }
    });
    if (oversized) return false;
    await files.forEach(1, partition, (line) => {
      const [key, timeMs, weight, payload] = JSON.parse(line) as ProbeLine<P>;
      const candidates = labels.get(key);
      if (candidates !== undefined) this.offer(candidates, timeMs, weight, () => payload);
    });
    await this.emitBest(labels);
    return true;
  }
}
