#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
// Linux system calls the Glibc module does not export (epoll, eventfd, accept4). A systemLibrary
// target compiles no C files, so every helper here is `static inline`.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <signal.h>

// accept4 is declared only under _GNU_SOURCE, which the Glibc module is not built with.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

// pthread_setname_np is _GNU_SOURCE-only too (thread names show in top/gdb).
#include <pthread.h>
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int clinux_set_thread_name(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}

// sched_getaffinity and CPU_COUNT are _GNU_SOURCE-only as well: the raw system call fills a mask
// of up to CLINUX_AFFINITY_MAX_CPUS CPUs and the set bits are counted here.
#include <unistd.h>
#include <sys/syscall.h>
#define CLINUX_AFFINITY_MAX_CPUS 8192
// CPUs in the affinity mask of process `pid` (0: the calling thread), or -1 when it cannot be read.
static inline int clinux_affinity_cpu_count(int pid) {
    unsigned long mask[CLINUX_AFFINITY_MAX_CPUS / (8 * sizeof(unsigned long))];
    long bytes = syscall(SYS_sched_getaffinity, pid, sizeof(mask), mask);
    if (bytes <= 0) return -1;
    int count = 0;
    for (long word = 0; word < bytes / (long)sizeof(unsigned long); word++) {
        count += __builtin_popcountl(mask[word]);
    }
    return count;
}
#endif
