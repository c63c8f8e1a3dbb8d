/*
 * sync/gtid.c: see gtid.h. (Being written.)
 */
#include "sync/gtid.h"
