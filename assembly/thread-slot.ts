// Which pool thread this instance runs on (0: the calling thread; each pool worker sets its own index once, as every
// thread has its own instance over the shared memory), and the scratch slot that thread owns. A thread may run
// several chunks of one kernel call (the pool hands chunks out as threads come free), so a slot belongs to the
// thread, not to a call.
let threadIndex: i32 = 0;

export function setThreadIndex(i: i32): void {
  threadIndex = i;
}

/** This thread's slot of slotBytes in a region laid out by ScratchRegion.threadSlots (slots from byte 64). */
@inline export function threadSlot(scratch: usize, slotBytes: usize): usize {
  return scratch + 64 + <usize>threadIndex * slotBytes;
}
