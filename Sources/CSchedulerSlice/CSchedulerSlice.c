#include "CSchedulerSlice.h"

#if defined(__linux__)
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's `struct sched_attr` (include/uapi/linux/sched/types.h), under a name of our own:
// C libraries differ in whether and where they declare it.
struct tern_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

enum { tern_sched_other = 0, tern_sched_batch = 3 };

static int read_attributes(int tid, struct tern_sched_attr *attributes) {
    memset(attributes, 0, sizeof *attributes);
    return syscall(SYS_sched_getattr, tid, attributes, sizeof *attributes, 0) == 0 ? 0 : errno;
}

int tern_request_scheduler_slice(unsigned long long nanoseconds) {
    struct tern_sched_attr attributes;
    int error = read_attributes(0, &attributes);
    if (error != 0) return error;
    if (attributes.sched_policy != tern_sched_other && attributes.sched_policy != tern_sched_batch) return ENOTSUP;
    // The policy and nice value just read are written back; only the slice changes.
    attributes.size = sizeof attributes;
    attributes.sched_flags &= 0x01; // SCHED_FLAG_RESET_ON_FORK, the only flag kept
    attributes.sched_runtime = nanoseconds;
    return syscall(SYS_sched_setattr, 0, &attributes, 0) == 0 ? 0 : errno;
}

long long tern_scheduler_slice(int tid) {
    struct tern_sched_attr attributes;
    return read_attributes(tid, &attributes) == 0 ? (long long)attributes.sched_runtime : -1;
}
#else
#include <errno.h>

int tern_request_scheduler_slice(unsigned long long nanoseconds) {
    return ENOSYS;
}

long long tern_scheduler_slice(int tid) {
    return -1;
}
#endif
