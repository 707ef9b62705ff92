#include "CFreedMemory.h"

// Any C library header says which library this is: glibc's define __GLIBC__.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>

int tern_release_freed_memory(void) {
    return malloc_trim(0);
}

void tern_merge_freed_memory_at_once(void) {
    mallopt(M_MXFAST, 0);
}

void tern_keep_freed_memory_for_reuse(unsigned long kept, unsigned long mappedAbove) {
    mallopt(M_TRIM_THRESHOLD, (int)kept);
    mallopt(M_MMAP_THRESHOLD, (int)mappedAbove);
}

void tern_allocate_from_one_heap(void) {
    mallopt(M_ARENA_MAX, 1);
}
#else
void tern_allocate_from_one_heap(void) {}

void tern_merge_freed_memory_at_once(void) {}

void tern_keep_freed_memory_for_reuse(unsigned long kept, unsigned long mappedAbove) {}

int tern_release_freed_memory(void) {
    return 0;
}
#endif
