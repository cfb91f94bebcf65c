// Glue for libgpiod. Debian 12 ships 1.6 (the v1 API); 2.x is a different API.
// OUTPOST_GPIOD_V2 tells Swift which one it is built against, so the version-specific
// calls can stay in one Swift file behind one type.
#ifndef OUTPOST_CGPIOD_SHIM_H
#define OUTPOST_CGPIOD_SHIM_H
#include <gpiod.h>
#include <errno.h>

#if defined(GPIOD_LINE_BULK_MAX_LINES)
static const int OUTPOST_GPIOD_V2 = 0;
#else
static const int OUTPOST_GPIOD_V2 = 1;
#endif

static inline int outpost_gpiod_errno(void) { return errno; }
#endif
