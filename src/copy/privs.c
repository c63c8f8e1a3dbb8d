/*
 * copy/privs.c: schema-level privilege check of the source account (see privs.h).
 */
#include "copy/privs.h"

#include <string.h>

#include "db/sqlq.h"
#include "util/err.h"

static const char *const needed[] = {"SELECT", "SHOW VIEW", "TRIGGER", "EVENT", NULL};

/* The grantees whose privileges this session has: 'user'@'host' and the current role. */
#define GRANTEES                                                                              \
    "(CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',"                         \
    " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), ''''), IFNULL(CONCAT('''', CURRENT_ROLE(), ''''), ''))"

hm_code hm_privs_check_source(hm_conn *src, const hm_catalog *cat, hm_err *err)
{
    hm_buf q;
    hm_code rc = HM_OK;
    bool has_role = src->flavor == HM_FLAVOR_MARIADB;
    hm_buf_init(&q, 1 << 16);
    for (size_t s = 0; s < cat->nschemas && rc == HM_OK; s++) {
        const char *db = cat->schemas[s].name;
        for (size_t p = 0; needed[p] && rc == HM_OK; p++) {
            char v[16];
            bool found;
            hm_buf_reset(&q);
            /* a schema grant's TABLE_SCHEMA may hold LIKE wildcards (GRANT ... ON `app\_%`.*) */
            if (hm_buf_addf(&q, "SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN %s "
                                "AND PRIVILEGE_TYPE = '%s' UNION ALL SELECT 1 FROM "
                                "information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN %s AND "
                                "PRIVILEGE_TYPE = '%s' AND CONVERT(",
                            has_role ? GRANTEES : "(CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "
                                                  "'''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), ''''))",
                            needed[p],
                            has_role ? GRANTEES : "(CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "
                                                  "'''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), ''''))",
                            needed[p]) != HM_OK ||
                hm_sqlq_hex(&q, db, strlen(db)) != HM_OK ||
                hm_buf_adds(&q, " USING utf8mb4) LIKE TABLE_SCHEMA LIMIT 1") != HM_OK) {
                rc = hm_err_set(err, HM_ENOMEM, "out of memory");
                break;
            }
            rc = hm_conn_value(src, q.data, v, sizeof v, &found, err);
            if (rc == HM_OK && !found) {
                char user[300] = "";
                bool f2;
                (void)hm_conn_value(src, "SELECT CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "
                                         "'''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
                                    user, sizeof user, &f2, err);
                rc = hm_err_set(err, HM_EPRIV,
                                "source %s: the account %s lacks %s on database %s, so some of its objects "
                                "would be invisible and not copied; fix: GRANT SELECT, SHOW VIEW, TRIGGER, "
                                "EVENT ON `%s`.* TO %s",
                                src->addr, user, needed[p], db, db, user);
            }
        }
    }
    hm_buf_release(&q);
    return rc;
}
