/*
 * sync/apply.c: see apply.h. (Being written.)
 */
#include "sync/apply.h"
