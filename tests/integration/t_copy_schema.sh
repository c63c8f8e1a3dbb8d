#!/usr/bin/env bash
# Full copy of a schema with foreign keys, triggers, views on views, routines with their own
# sql_mode, an event, FULLTEXT and SPATIAL indexes, and an all-types table; then a second copy
# with --include/--exclude. Asserts CHECKSUM TABLE and row counts equal for every table, table
# definitions equal, view/trigger/routine/event definitions, sql_mode and definer equal, and that
# nothing outside the selection reached the target.
source "$(dirname "$0")/lib.sh"
it_start

hm_sql src "
CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE misc CHARACTER SET latin1;
USE app;
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE) ENGINE=InnoDB;
CREATE TABLE child (id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT NOT NULL, note TEXT,
  FOREIGN KEY (parent_id) REFERENCES parent(id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(100)) ENGINE=InnoDB;
CREATE TRIGGER child_ai AFTER INSERT ON child FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('child ', NEW.id));
CREATE TABLE docs (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY ft_body (body)) ENGINE=InnoDB;
CREATE TABLE geo (id INT PRIMARY KEY, pt POINT NOT NULL, area POLYGON, SPATIAL KEY sp (pt)) ENGINE=InnoDB;
CREATE VIEW v_parent AS SELECT id, name FROM parent;
CREATE VIEW v_on_view AS SELECT COUNT(*) AS n FROM v_parent;
SET SESSION sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE';
CREATE PROCEDURE add_parent(IN p_id INT, IN p_name VARCHAR(50)) INSERT INTO parent VALUES (p_id, p_name);
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
SET SESSION sql_mode = DEFAULT;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2037-01-01 00:00:00' DO DELETE FROM audit WHERE id < 0;
CREATE TABLE composite (a VARCHAR(20) NOT NULL, b DATETIME(3) NOT NULL, c VARBINARY(8) NOT NULL, v INT,
  PRIMARY KEY (a, b, c)) ENGINE=InnoDB COLLATE utf8mb4_general_ci;
CREATE TABLE ukey (x BIGINT NULL, code CHAR(10) NOT NULL, v TEXT, UNIQUE KEY u (code)) ENGINE=InnoDB;
CREATE TABLE nokey (a INT, b VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE skipme (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE myisam_t (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=MyISAM;
CREATE TABLE alltypes (
  id INT PRIMARY KEY AUTO_INCREMENT,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  de DECIMAL(65,30), de2 DECIMAL(10,2) UNSIGNED, f FLOAT, f2 FLOAT(7,3), d DOUBLE,
  b1 BIT(1), b7 BIT(7), b64 BIT(64),
  dt DATE, tm TIME(6), dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, y YEAR,
  ch CHAR(10), vc VARCHAR(200), tx TEXT, mtx MEDIUMTEXT,
  lat VARCHAR(20) CHARACTER SET latin1, vbin VARCHAR(50) CHARACTER SET binary,
  bn BINARY(4), vb VARBINARY(64), bl BLOB, lbl LONGBLOB,
  en ENUM('a','b','c d'), st SET('x','y','z'), js JSON,
  g GEOMETRY, gv INT AS (i * 2) VIRTUAL, gs VARCHAR(220) AS (CONCAT(vc, '!')) STORED
) ENGINE=InnoDB;
"
[ $? -eq 0 ] || it_fail "source schema setup"

hm_sql src "
USE app;
INSERT INTO parent VALUES (1,'one'),(2,'two'),(3,'three');
INSERT INTO child (parent_id, note) VALUES (1,'a'),(1,'b'),(2,'c');
INSERT INTO docs VALUES (1,'the quick brown fox'),(2,'jumps over the lazy dog');
INSERT INTO geo VALUES (1, POINT(1,2), ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 0))')), (2, POINT(-1.5, 1e10), NULL);
INSERT INTO composite VALUES ('a','2024-01-01 00:00:00.001',X'00',1),('A ','2024-01-01 00:00:00.002',X'0001',2),
  ('é','1999-12-31 23:59:59.999',X'FF',3),('😀','2000-01-01',X'',4),('z','2000-01-01',X'5C27',5);
INSERT INTO ukey VALUES (NULL,'k1','x'),(5,'k2',NULL),(NULL,'k3','😀');
INSERT INTO nokey VALUES (1,'dup'),(1,'dup'),(NULL,NULL);
INSERT INTO skipme VALUES (1);
INSERT INTO myisam_t VALUES (1,'m');
SET SESSION sql_mode = '';
INSERT INTO alltypes (ti,tiu,si,siu,mi,miu,i,iu,bi,biu,de,de2,f,f2,d,b1,b7,b64,dt,tm,dtm,ts,y,ch,vc,tx,mtx,lat,vbin,bn,vb,bl,lbl,en,st,js,g) VALUES
 (-128,255,-32768,65535,-8388608,16777215,-2147483648,4294967295,-9223372036854775808,18446744073709551615,
  '-99999999999999999999999999999999999.999999999999999999999999999999', 99999999.99, -3.40282e38, 1234.567, -1.7976931348623157e308,
  b'1', b'1111111', b'1111111111111111111111111111111111111111111111111111111111111111',
  '1000-01-01','-838:59:59.000000','1000-01-01 00:00:00.000000','1970-01-01 00:00:01.000000',1901,
  'a','😀 four-byte','tab\there\nnewline \\\\ backslash ''quote''',REPEAT('m',70000),
  X'E9E8', X'00FF5C275C6E0A09', X'00000000', X'005C0A0D09270022', X'0001020304', REPEAT(X'00FF',40000),
  'c d','x,z','{\"k\": [1, 2.5, \"s\", null, {\"n\": true}]}', ST_GeomFromText('LINESTRING(0 0,1 1,2 3)')),
 (127,0,32767,0,8388607,0,2147483647,0,9223372036854775807,0,
  '99999999999999999999999999999999999.999999999999999999999999999999', 0, 1.17549435e-38, -0.001, 2.2250738585072014e-308,
  b'0', b'0', b'0',
  '9999-12-31','838:59:59.999999','9999-12-31 23:59:59.999999','2038-01-19 03:14:07.999999',2155,
  '', '', '', '', '', '', X'FFFFFFFF', '', '', '', 'a', '', '[]', ST_GeomFromText('POINT(0 0)')),
 (0,1,0,1,0,1,0,1,0,1, 0.1, 0.01, 0.1, 0.5, 0.1, b'1', b'1010101', b'1000000000000000000000000000000000000000000000000000000000000001',
  '0000-00-00','00:00:00','0000-00-00 00:00:00','0000-00-00 00:00:00', 0, 'x','y','z','w', X'41', X'80', X'0A0D0000', X'00', X'00', X'00', 'b', 'y', '\"only a string\"', NULL);
INSERT INTO alltypes (id) VALUES (1000);
INSERT INTO alltypes (i, f, d, vc, bl, dtm) SELECT seq, RAND(seq)*1e6 - 5e5, RAND(seq+7)*1e300, SHA2(seq,256), UNHEX(SHA2(seq,512)), NOW(6) - INTERVAL seq SECOND
  FROM (SELECT a.n*100 + b.n*10 + c.n + 1 AS seq FROM
        (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a,
        (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) b,
        (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) c) s;
USE misc;
CREATE TABLE m (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
INSERT INTO m VALUES (1, X'E9');
" || it_fail "source data setup"
# a row in a system schema must never travel
hm_sql src "CREATE USER 'only_on_source'@'%'" || it_fail "create user"

# small chunks so composite and string keys are really split into several ranges
"$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full --threads 3 --chunk-rows 2 \
    --progress lines >"$HM_TEST_ROOT/out1" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$HM_TEST_ROOT/out1"; it_fail "migrate exited $rc"; }
cat "$HM_TEST_ROOT/out1"
grep -q "copy complete" "$HM_TEST_ROOT/out1" || it_fail "no completion line"
grep -q "app.nokey (no key" "$HM_TEST_ROOT/out1" || it_fail "table without key not reported"
grep -q "app.myisam_t (MyISAM)" "$HM_TEST_ROOT/out1" || it_fail "non-InnoDB table not flagged"

it_checksums_equal app
it_checksums_equal misc
for t in parent child audit docs geo composite ukey nokey skipme myisam_t alltypes; do
    a=$(hm_sql src "SHOW CREATE TABLE app.$t" | cut -f2)
    b=$(hm_sql tgt "SHOW CREATE TABLE app.$t" | cut -f2)
    it_eq "$b" "$a" "definition of table app.$t"
done
it_eq "$(hm_sql tgt "SHOW CREATE DATABASE app" | cut -f2)" "$(hm_sql src "SHOW CREATE DATABASE app" | cut -f2)" "database app"
it_eq "$(hm_sql tgt "SHOW CREATE DATABASE misc" | cut -f2)" "$(hm_sql src "SHOW CREATE DATABASE misc" | cut -f2)" "database misc"

q_obj="
SELECT CONCAT_WS('|', TABLE_NAME, VIEW_DEFINITION, DEFINER, SECURITY_TYPE) FROM information_schema.VIEWS WHERE TABLE_SCHEMA='app' ORDER BY 1;
SELECT CONCAT_WS('|', TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT, SQL_MODE, DEFINER) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='app' ORDER BY 1;
SELECT CONCAT_WS('|', ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, SQL_MODE, DEFINER, IS_DETERMINISTIC) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='app' ORDER BY 1;
SELECT CONCAT_WS('|', EVENT_NAME, EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD, STARTS, STATUS, SQL_MODE, DEFINER) FROM information_schema.EVENTS WHERE EVENT_SCHEMA='app' ORDER BY 1;"
a=$(hm_sql src "$q_obj")
b=$(hm_sql tgt "$q_obj")
[ "$(echo "$a" | wc -l)" -eq 6 ] || it_fail "expected 6 objects on the source, got: $a"
it_eq "$b" "$a" "view/trigger/routine/event definitions"
it_eq "$(hm_sql tgt "SELECT n FROM app.v_on_view")" "3" "view on view works on target"
it_eq "$(hm_sql tgt "SELECT app.twice(21)")" "42" "function works on target"
# the trigger was created after the data: it did not fire on copied rows
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.audit")" "$(hm_sql src "SELECT COUNT(*) FROM app.audit")" "audit rows (trigger must not fire on copy)"
# ... and it exists and works afterwards
hm_sql tgt "INSERT INTO app.child (parent_id, note) VALUES (3, 'after')"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.audit WHERE what LIKE 'child %'")" "4" "trigger fires on target after copy"

dbs=$(hm_sql tgt "SHOW DATABASES" | sort | tr '\n' ' ')
it_eq "$dbs" "app hotmig_meta information_schema misc mysql performance_schema sys " "databases on target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM mysql.user WHERE user='only_on_source'")" "0" "system schema rows copied"
it_eq "$(hm_sql tgt "SELECT state FROM hotmig_meta.copy_run")" "done" "run state"

# second run into a fresh target: include/exclude
hm_srv_stop tgt
hm_srv_start tgt target || it_fail "target restart"
TGT=$(hm_uri tgt)
"$HOTMIG" migrate --source "$SRC" --target "$TGT" --include 'app.*' --exclude 'app.skipme' \
    --exclude 'app.v_*' --exclude 'misc' --progress none || it_fail "filtered migrate exited $?"
tables=$(hm_sql tgt "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('app','misc')")
it_eq "$tables" "alltypes,audit,child,composite,docs,geo,myisam_t,nokey,parent,ukey" "tables after include/exclude"
it_checksums_equal app alltypes composite ukey
echo "all assertions passed"
