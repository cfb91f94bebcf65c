#define _GNU_SOURCE
#include <fcntl.h>
#include "cfiles.h"

int outpost_reserve_storage(int descriptor, long long length) {
    return fallocate(descriptor, FALLOC_FL_KEEP_SIZE, 0, (off_t)length);
}

#include <signal.h>
#include <sys/prctl.h>

int outpost_die_with_parent(int signal_number) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal_number, 0, 0, 0);
}

#ifdef __GLIBC__
#include <malloc.h>
#endif

int outpost_return_free_memory(void) {
#ifdef __GLIBC__
    return malloc_trim(0);
#else
    return 0;
#endif
}
