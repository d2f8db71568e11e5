import type { StoredRecord } from '@predlog/schema';
import type { GroundTruth } from '../ground-truth.ts';
import { GraceSpill, type JoinPartition, type KeyJoinSettings, type SpillCounts } from './grace-spill.ts';
import { KeyFilter } from './key-filter.ts';

/** What a join keeps of a prediction (in memory or spilled as JSON). */
export type Project<P> = (record: StoredRecord, weight: number) => P;

/** A spilled prediction: key, time (0 where the join does not use it), weight, payload. */
export type ProbeLine<P> = [key: string, timeMs: number, weight: number, payload: P];
/** A spilled label: key, time (null for none), label, value. */
type LabelLine = [
  key: string,
  timeMs: number | null,
  label: GroundTruth['label'] | null,
  value: number | null,
];

function encodeLabel(key: string, truth: GroundTruth): string {
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
 * A label join past its cap (RequestKeyJoin, EntityTimeJoin): labels go to side 0 and keyed
 * predictions, reduced to their payload, to side 1 of the partition files, as `ProbeLine`s.
 */
export class LabelSpill<P> {
  private readonly grace: GraceSpill;
  private readonly project: Project<P>;
  /** Keys of every label, from the moment the join spills: predictions without a label stay off disk. */
  private filter: KeyFilter | undefined = new KeyFilter();

  constructor(settings: KeyJoinSettings, project: Project<P>) {
    this.grace = new GraceSpill(settings);
    this.project = project;
  }

  /** Queues one label; returns a promise to await when too many bytes wait to be written. */
  addLabel(key: string, truth: GroundTruth): Promise<void> | undefined {
    const files = this.grace.files;
    const hash = files.hash(key);
    this.filter?.add(hash);
    return files.writeHashed(0, hash, encodeLabel(key, truth));
  }

  /** Queues one prediction, projected only when a label may have its key. */
  addPrediction(
    key: string,
    timeMs: number,
    weight: number,
    record: StoredRecord,
  ): Promise<void> | undefined {
    const files = this.grace.files;
    const hash = files.hash(key);
    if (this.filter !== undefined && !this.filter.mightContain(hash)) return undefined;
    const line: ProbeLine<P> = [key, timeMs, weight, this.project(record, weight)];
    return files.writeHashed(1, hash, JSON.stringify(line));
  }

  /** Joins every partition (see GraceSpill.joinAll) and drops the filter. */
  async joinAll(join: JoinPartition): Promise<SpillCounts> {
    try {
      return await this.grace.joinAll(join);
    } finally {
      this.filter = undefined;
    }
  }

  /** Removes the files after an error part-way (joinAll removes them otherwise). */
  remove(): Promise<void> {
    return this.grace.remove();
  }
}
