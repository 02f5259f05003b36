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

// Bytes waiting in a socket's receive queue (ioctl is variadic, which Swift cannot call).
#include <sys/ioctl.h>
static inline int clinux_readable_bytes(int fd) {
    int count = 0;
    return ioctl(fd, FIONREAD, &count) == 0 ? count : -1;
}

// Whether the peer has shut down its side (or the socket failed), without reading what is queued.
#include <poll.h>
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif
static inline int clinux_peer_closed(int fd) {
    struct pollfd p = { fd, POLLRDHUP, 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

// glibc's allocator controls (malloc.h is not part of the Glibc module): a fixed mmap threshold,
// and returning free heap pages to the system after a burst.
#include <malloc.h>
static inline int clinux_set_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}
static inline int clinux_malloc_trim(void) {
    return malloc_trim(0);
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
