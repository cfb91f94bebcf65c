// Glue for the kernel's clock discipline state (adjtimex), which Swift's Glibc module does not
// expose: whether NTP (or PTP, or GPS through chrony) has the wall clock synchronised.
#ifndef OUTPOST_CCLOCK_H
#define OUTPOST_CCLOCK_H

/// 1 when the kernel says the clock is synchronised, 0 when it says not (STA_UNSYNC or
/// TIME_ERROR), -1 with errno set when it cannot be asked.
int outpost_clock_synchronised(void);

#endif
