/*
 * sync/ddl.c: see ddl.h. (Being written.)
 */
#include "sync/ddl.h"
