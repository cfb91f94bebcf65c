#define _GNU_SOURCE
#include <fcntl.h>
#include "cfiles.h"

int outpost_reserve_storage(int descriptor, long long length) {
    return fallocate(descriptor, FALLOC_FL_KEEP_SIZE, 0, (off_t)length);
}
