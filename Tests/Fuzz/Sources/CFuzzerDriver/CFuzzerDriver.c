// The declarations are in include/CFuzzerDriver.h; libFuzzer (-sanitize=fuzzer) defines them.
#include "CFuzzerDriver.h"
