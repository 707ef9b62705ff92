#ifndef TERN_CFREEDMEMORY_H
#define TERN_CFREEDMEMORY_H

/// Hands the heap memory that the C library keeps after it was freed back to the system, where
/// the library can (glibc's `malloc_trim`). Returns 1 if any was handed back, 0 otherwise.
int tern_release_freed_memory(void);

/// Turns off glibc's fastbins, where freed small blocks wait unmerged until some later large free
/// or allocation merges them all at once: after a connection with 100,000 subscriptions closed,
/// that took tens of milliseconds of an event loop. The per-thread caches in front of them stay.
/// Does nothing with another C library.
void tern_merge_freed_memory_at_once(void);

/// Keeps up to `kept` bytes of freed memory at the top of the heap for reuse instead of handing
/// it back to the system at once, and serves blocks of up to `mappedAbove` bytes from the heap
/// instead of mapping each on its own (glibc's trim and mmap thresholds). A broker streaming
/// messages through read and write buffers of hundreds of kilobytes otherwise maps or grows,
/// faults in and returns the same memory over and over. ``tern_release_freed_memory`` still
/// hands back everything. Does nothing with another C library.
void tern_keep_freed_memory_for_reuse(unsigned long kept, unsigned long mappedAbove);

/// Makes every thread allocate from glibc's main heap, which grows with `brk` by its top pad (128
/// KiB) at a time, where a heap of a thread's own grows with an `mprotect` call per page or two:
/// 40,000 new topics cost `ternd` 953 `mprotect` calls (46 `brk` calls from the main heap) and 5%
/// more time. Takes effect for threads that start after it: call it before the first. Does
/// nothing with another C library.
void tern_allocate_from_one_heap(void);

#endif
