// The header declares libFuzzer's driver; nothing to define here (a C target needs a source).
#include "CFuzzDriver.h"
