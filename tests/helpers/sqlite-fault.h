/* Fault injection for SQLite, in the style of SQLite's own test harness:
 * make the Nth allocation, or the Nth write/sync/truncate of any file, fail,
 * then check that whatever the code under test committed is still whole.
 *
 * Typical loop:
 *     for (n = 1;; n++) {
 *             sqlite_fault_arm(SQLITE_FAULT_WRITE, n);
 *             r = operation();
 *             fired = sqlite_fault_disarm();
 *             check_consistent();
 *             if (!fired) break;      // the operation completed untouched
 *     }
 */
#pragma once

#include <stdbool.h>

typedef enum SqliteFaultKind {
        SQLITE_FAULT_NONE,
        SQLITE_FAULT_WRITE, /* xWrite, xSync and xTruncate on every file */
        SQLITE_FAULT_MALLOC, /* every SQLite allocation */
} SqliteFaultKind;

/* Install the faulty VFS (as the default) and the allocator. Call once,
 * before the first sqlite3_open. Returns 0 or -errno. */
int sqlite_fault_install(void);

/* Fail the nth (1-based) operation of that kind from now on, and every one
 * after it while `persistent` is set by sqlite_fault_arm_persistent(). */
void sqlite_fault_arm(SqliteFaultKind kind, unsigned nth);
void sqlite_fault_arm_persistent(SqliteFaultKind kind, unsigned nth);

/* Stop injecting; returns whether any fault fired since arming. */
bool sqlite_fault_disarm(void);
