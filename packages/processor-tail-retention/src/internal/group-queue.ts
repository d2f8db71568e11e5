import type { LogRecordLike } from '@predlog/core';
import { PendingGroup } from './pending-group.ts';

/** Spare group objects kept for reuse; beyond this, decided groups are left to the GC. */
const MAX_SPARE_GROUPS = 4096;

/**
 * Undecided groups in the order they started, which is also the order they fall due. A Map would
 * keep that order too, but a V8 Map used as a queue leaves a hole per entry deleted from its front,
 * and every walk from the front (oldest group, next due group) steps over all of them until the
 * table is rebuilt: O(n) per look at the oldest group. An array with a moving head has no holes to
 * skip but those of groups decided out of order (at their own limits), which it drops as it meets
 * them.
 *
 * Decided groups leave the queue at its head, where nothing refers to them any more (the pending
 * map and the alias map let go at the decision): that is where they are kept for reuse.
 */
export class GroupQueue {
  private items: PendingGroup[] = [];
  private head = 0;
  private readonly spare: PendingGroup[] = [];

  /** A new group at the back of the queue, from a spare object when there is one. */
  create(
    key: string,
    fingerprint: number,
    first: LogRecordLike,
    bytes: number,
    dueAtMs: number,
  ): PendingGroup {
    const recycled = this.spare.pop();
    const group =
      recycled === undefined
        ? new PendingGroup(key, fingerprint, first, bytes, dueAtMs)
        : recycled.reset(key, fingerprint, first, bytes, dueAtMs);
    this.items.push(group);
    return group;
  }

  /** The oldest group not yet decided. */
  peek(): PendingGroup | undefined {
    const items = this.items;
    let head = this.head;
    while (head < items.length) {
      const group = items[head] as PendingGroup;
      if (!group.decided) break;
      if (this.spare.length < MAX_SPARE_GROUPS) this.spare.push(group);
      head++;
    }
    if (head !== this.head) {
      this.head = head;
      this.compact();
    }
    return this.items[this.head];
  }

  private compact(): void {
    const items = this.items;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}
