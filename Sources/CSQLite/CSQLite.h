#ifndef FEEDWIRE_CSQLITE_H
#define FEEDWIRE_CSQLITE_H
/* SQLite for FeedwireSQLite only. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro ((sqlite3_destructor_type)-1) that Swift
 * cannot import: SQLite copies the bytes before the call returns. */
static inline int fw_sqlite3_bind_text(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p, n, SQLITE_TRANSIENT);
}
static inline int fw_sqlite3_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p, n, SQLITE_TRANSIENT);
}
#endif
