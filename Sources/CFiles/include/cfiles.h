// Glue for file and process calls Swift's Glibc module does not expose (fallocate's flags,
// prctl, which is variadic, malloc_trim).
#ifndef OUTPOST_CFILES_H
#define OUTPOST_CFILES_H

/// Reserves storage for the first `length` bytes of the file open on `descriptor` without
/// changing its size (fallocate with FALLOC_FL_KEEP_SIZE), so that appending later allocates
/// nothing: on flash, every allocation also rewrites bitmaps and the inode. Returns 0, or -1 with
/// errno set (EOPNOTSUPP on filesystems that cannot, which is harmless).
int outpost_reserve_storage(int descriptor, long long length);

/// Asks the kernel to send this process `signal_number` when its parent dies (prctl
/// PR_SET_PDEATHSIG): a release on trial must not outlive the launcher that watches it. Returns
/// 0, or -1 with errno set.
int outpost_die_with_parent(int signal_number);

/// Gives the pages of freed memory that glibc's allocator keeps back to the kernel (malloc_trim):
/// freed blocks between blocks still in use are never returned otherwise, and a burst of large,
/// short-lived buffers from several threads leaves many. Returns 1 when memory was returned, 0
/// when none was (or the C library is not glibc).
int outpost_return_free_memory(void);

#endif
