#ifndef TERN_CFREEDMEMORY_H
#define TERN_CFREEDMEMORY_H

/// Hands the heap memory that the C library keeps after it was freed back to the system, where
/// the library can (glibc's `malloc_trim`). Returns 1 if any was handed back, 0 otherwise.
int tern_release_freed_memory(void);

#endif
