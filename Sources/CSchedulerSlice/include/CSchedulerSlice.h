#ifndef TERN_CSCHEDULERSLICE_H
#define TERN_CSCHEDULERSLICE_H

/// Asks the kernel to schedule the calling thread in slices of `nanoseconds` (Linux's
/// `sched_setattr`: the runtime of a `SCHED_OTHER` or `SCHED_BATCH` thread is its slice under the
/// EEVDF scheduler, Linux 6.12 and later, which takes 100 µs to 100 ms). The thread's policy and
/// nice value stay; a thread with another policy (real-time, idle, deadline) is left alone.
/// Returns 0, or the error number of the refusal (`ENOTSUP` for another policy; `ENOSYS` off Linux).
int tern_request_scheduler_slice(unsigned long long nanoseconds);

/// The scheduling slice of thread `tid` (0: the calling thread) in nanoseconds, as the kernel
/// reports it: 0 from a kernel that keeps no slice per thread; -1 when it cannot be read.
long long tern_scheduler_slice(int tid);

#endif
