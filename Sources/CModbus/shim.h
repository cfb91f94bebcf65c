// Glue for libmodbus (Debian 12: 3.1.6). The version macros are not visible to Swift,
// and the library's exported version globals are mutable C globals, which Swift 6 refuses to read.
#ifndef OUTPOST_CMODBUS_SHIM_H
#define OUTPOST_CMODBUS_SHIM_H
#include <modbus/modbus.h>
#include <errno.h>

static inline int outpost_modbus_version_major(void) { return LIBMODBUS_VERSION_MAJOR; }
static inline int outpost_modbus_version_minor(void) { return LIBMODBUS_VERSION_MINOR; }
static inline int outpost_modbus_version_micro(void) { return LIBMODBUS_VERSION_MICRO; }
static inline int outpost_errno(void) { return errno; }
#endif
