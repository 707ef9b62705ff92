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

#endif
