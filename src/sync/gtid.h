/*
 * sync/gtid.h: GTID sets of MySQL and MariaDB, as incremental sync tracks them.
 *
 * MariaDB: a GTID is domain-server-seq; the "set" a replica keeps (gtid_slave_pos) is one
 * GTID per domain, the last applied, and a position is written "0-11-42,1-12-7" (domains in
 * ascending order). MySQL: a GTID is uuid:n; a set is uuid:interval[:interval...] per uuid,
 * written "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,..." with uuids in ascending order,
 * intervals merged and ascending, as gtid_executed prints it (without its newlines). MySQL 8.3+
 * tagged GTIDs (uuid:tag:n) are parsed, added (the _tagged calls) and printed after the untagged
 * intervals of their uuid ("uuid:1-5:tag:3-4"), as gtid_executed prints them.
 * A set holds one flavour; which is fixed by the first GTID or text put in it.
 *
 * Ownership: an hm_gtid_set owns its memory; free it with hm_gtid_set_free().
 */
#ifndef HM_SYNC_GTID_H
#define HM_SYNC_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"
#include "util/buf.h"

typedef struct hm_gtid_set hm_gtid_set;

/* A new empty set (NULL when out of memory). */
hm_gtid_set *hm_gtid_set_new(void);
void hm_gtid_set_free(hm_gtid_set *s);

/* Replaces s with the set written in text ("" is the empty set). MariaDB and MySQL forms are
 * told apart by their syntax; whitespace and newlines between elements are ignored, uuids may
 * be in either case, and intervals may come unsorted, overlapping or repeated.
 * HM_EUSAGE with a message quoting the bad element when text is not a GTID set (malformed,
 * both flavours, a number out of range, an interval n-m with n > m, a MariaDB domain twice,
 * an empty element); HM_ENOMEM. On failure s is left as it was. */
hm_code hm_gtid_set_parse(hm_gtid_set *s, const char *text, hm_err *err);

/* Adds MariaDB GTID domain-server-seq: the domain's entry becomes this one.
 * HM_EUSAGE when s is a MySQL set; HM_ENOMEM. */
hm_code hm_gtid_set_add_mariadb(hm_gtid_set *s, uint32_t domain, uint32_t server_id, uint64_t seq,
                                hm_err *err);
/* Adds MySQL GTID uuid:n (uuid: 16 bytes), merging intervals. O(1), without allocating, when n
 * falls in or just after the last interval of the uuid of the previous add (a stream's case);
 * otherwise a binary search, plus moving later intervals when a gap opens or closes.
 * HM_EUSAGE when s is a MariaDB set or n is not in 1..2^63-1; HM_ENOMEM. */
hm_code hm_gtid_set_add_mysql(hm_gtid_set *s, const uint8_t uuid[16], uint64_t n, hm_err *err);

/* Adds MySQL 8.3+ tagged GTID uuid:tag:n (tag: tag_len bytes of [A-Za-z0-9_], not starting
 * with a digit, at most 32; lowercased as MySQL does; tag_len 0: untagged). HM_EUSAGE for a bad
 * tag, and as hm_gtid_set_add_mysql. */
hm_code hm_gtid_set_add_mysql_tagged(hm_gtid_set *s, const uint8_t uuid[16], const char *tag,
                                     size_t tag_len, uint64_t n, hm_err *err);
/* Whether uuid:tag:n is in s (tag_len 0: untagged). */
bool hm_gtid_set_contains_mysql_tagged(const hm_gtid_set *s, const uint8_t uuid[16],
                                       const char *tag, size_t tag_len, uint64_t n);

/* Appends MySQL's binary encoding of s (Gtid_set::encode, as COM_BINLOG_DUMP_GTID carries it) to
 * out: the number of uuids (8 bytes), then per uuid its 16 bytes, the number of intervals (8) and
 * each interval as start and exclusive end (8 + 8). A set with a tag is written in MySQL 8.3+'s
 * tagged format: the count field is format 1 | count << 8 | 1 << 56, and each entry has its tag
 * (a varlen length, then the bytes) after the uuid. The empty set is 8 zero bytes. HM_EUSAGE for
 * a MariaDB set; HM_ENOMEM. */
hm_code hm_gtid_set_encode_mysql(const hm_gtid_set *s, hm_buf *out, hm_err *err);

/* Whether MySQL GTID uuid:n is in s (false for a MariaDB set). */
bool hm_gtid_set_contains_mysql(const hm_gtid_set *s, const uint8_t uuid[16], uint64_t n);
/* Whether MariaDB GTID domain-server-seq is at or before s's entry for its domain (the seq is
 * <= the domain's seq); false when the domain is absent or s is a MySQL set. */
bool hm_gtid_set_contains_mariadb(const hm_gtid_set *s, uint32_t domain, uint64_t seq);

/* Appends the canonical text of s to out ("" for an empty set). HM_ENOMEM (out unchanged) when
 * it does not fit. */
hm_code hm_gtid_set_format(const hm_gtid_set *s, hm_buf *out, hm_err *err);

bool hm_gtid_set_is_empty(const hm_gtid_set *s);

#endif
