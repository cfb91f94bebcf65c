#include "cclock.h"
#include <sys/timex.h>

int outpost_clock_synchronised(void) {
    struct timex state = {0};
    int result = adjtimex(&state);
    if (result == -1) return -1;
    if (result == TIME_ERROR || (state.status & STA_UNSYNC)) return 0;
    return 1;
}
