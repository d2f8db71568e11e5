import type { StoredRecord } from '@predlog/schema';
import type { GroundTruth } from '../ground-truth.ts';
import { KeyFilter } from './key-filter.ts';
import {
  decodeLabel,
  type Emit,
  encodeLabel,
  type KeyJoinCounts,
  type KeyJoinSettings,
  type Project,
} from './request-key-join.ts';
import { type Side, SpillPartitions } from './spill-partitions.ts';

const MAX_DEPTH = 4;

interface EntityLabel<P> {
  truth: GroundTruth;
  best: P | undefined;
  bestWeight: number;
  bestDistance: number;
  bestTime: number;
}

type ProbeLine<P> = [key: string, timeMs: number, weight: number, payload: P];

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
  private spill: SpillPartitions | undefined;
  /** Entities with a label, from the moment the join spills: other predictions stay off disk. */
  private filter: KeyFilter | undefined;
  private levels = 0;
  private spillBytes = 0;
  readonly counts: KeyJoinCounts = { duplicates: 0, matched: 0, pairs: 0, pairsWeight: 0, spill: null };

  constructor(settings: KeyJoinSettings, windowMs: number, project: Project<P>, emit: Emit<P>) {
    this.settings = settings;
    this.windowMs = windowMs;
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
    this.putLabel(this.labels, key, truth);
    this.labelCount += 1;
    return this.labelCount > this.settings.maxKeysInMemory ? this.startSpilling() : undefined;
  }

  /** Offers one prediction; returns a promise only when a spill file had to be flushed. */
  addPrediction(key: string, timeMs: number, weight: number, record: StoredRecord): void | Promise<void> {
    if (!Number.isFinite(timeMs)) return undefined;
    if (this.spill === undefined) {
      const candidates = this.labels.get(key);
      if (candidates !== undefined)
        this.offer(candidates, timeMs, weight, () => this.project(record, weight));
      return undefined;
    }
    const hash = this.spill.hash(key);
    if (this.filter !== undefined && !this.filter.mightContain(hash)) return undefined;
    const line: ProbeLine<P> = [key, timeMs, weight, this.project(record, weight)];
    return this.spill.writeHashed(1, hash, JSON.stringify(line));
  }

  async finish(): Promise<void> {
    const spill = this.spill;
    if (spill === undefined) {
      await this.emitBest(this.labels);
      this.labels = new Map();
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
    const spill = SpillPartitions.create(this.settings.spillDirectory, this.settings.spillPartitions, 0);
    this.spill = spill;
    this.filter = new KeyFilter();
    this.levels = 1;
    const writes: Array<Promise<void>> = [];
    for (const [key, list] of this.labels) {
      this.filter.add(spill.hash(key));
      for (const label of list) {
        const flushing = spill.write(0, key, encodeLabel(key, label.truth));
        if (flushing !== undefined) writes.push(flushing);
      }
    }
    this.labels = new Map();
    this.labelCount = 0;
    return Promise.all(writes).then(() => undefined);
  }

  private async joinPartition(spill: SpillPartitions, partition: number, depth: number): Promise<void> {
    const labels = new Map<string, Array<EntityLabel<P>>>();
    let count = 0;
    let oversized = false;
    await spill.forEach(0, partition, (line) => {
      if (oversized) return;
      const [key, truth] = decodeLabel(line, 'entityId');
      this.putLabel(labels, key, truth);
      count += 1;
      // One entity with more labels than the cap cannot be split by hashing; it is loaded whole.
      if (count > this.settings.maxKeysInMemory && depth < MAX_DEPTH && labels.size > 1) {
        oversized = true;
        labels.clear();
      }
    });
    if (oversized) {
      await this.splitPartition(spill, partition, depth);
      return;
    }
    await spill.forEach(1, partition, (line) => {
      const [key, timeMs, weight, payload] = JSON.parse(line) as ProbeLine<P>;
      const candidates = labels.get(key);
      if (candidates !== undefined) this.offer(candidates, timeMs, weight, () => payload);
    });
    await this.emitBest(labels);
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
