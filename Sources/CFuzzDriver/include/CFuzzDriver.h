#ifndef OUTPOST_C_FUZZ_DRIVER_H
#define OUTPOST_C_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs with their own main (compiler-rt, FuzzerDriver.cpp). Linked
/// only when built with -sanitize=fuzzer; `outpost-fuzz` calls it only then (FUZZING).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
