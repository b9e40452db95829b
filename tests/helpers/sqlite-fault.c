/* See sqlite-fault.h. A VFS shim over the default unix VFS and a wrapper
 * around SQLite's default allocator. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tests/helpers/sqlite-fault.h"

static SqliteFaultKind fault_kind;
static unsigned fault_countdown;
static bool fault_persistent, fault_fired;

static bool fault_hit(SqliteFaultKind kind)
{
        if (fault_kind != kind || fault_countdown == 0)
                return false;
        if (fault_countdown > 1) {
                fault_countdown--;
                return false;
        }
        fault_fired = true;
        if (!fault_persistent)
                fault_countdown = 0;
        return true;
}

void sqlite_fault_arm(SqliteFaultKind kind, unsigned nth)
{
        fault_kind = kind;
        fault_countdown = nth;
        fault_persistent = false;
        fault_fired = false;
}

void sqlite_fault_arm_persistent(SqliteFaultKind kind, unsigned nth)
{
        sqlite_fault_arm(kind, nth);
        fault_persistent = true;
}

bool sqlite_fault_disarm(void)
{
        bool fired = fault_fired;

        fault_kind = SQLITE_FAULT_NONE;
        fault_countdown = 0;
        fault_fired = false;
        return fired;
}

/* --- allocator --- */

static sqlite3_mem_methods real_mem;

static void *fault_malloc(int n)
{
        return fault_hit(SQLITE_FAULT_MALLOC) ? NULL : real_mem.xMalloc(n);
}

static void *fault_realloc(void *p, int n)
{
        return fault_hit(SQLITE_FAULT_MALLOC) ? NULL : real_mem.xRealloc(p, n);
}

/* --- VFS --- */

typedef struct FaultFile {
        sqlite3_file base;
        sqlite3_file *real; /* allocated right after this struct */
} FaultFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static sqlite3_io_methods fault_io;

#define REAL(f) (((FaultFile *)(f))->real)

static int f_close(sqlite3_file *f)
{
        return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
        return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
        if (fault_hit(SQLITE_FAULT_WRITE))
                return SQLITE_IOERR_WRITE;
        return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
        if (fault_hit(SQLITE_FAULT_WRITE))
                return SQLITE_IOERR_TRUNCATE;
        return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
        if (fault_hit(SQLITE_FAULT_WRITE))
                return SQLITE_IOERR_FSYNC;
        return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
        return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l)
{
        return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
        return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_check_lock(sqlite3_file *f, int *out)
{
        return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_fcntl(sqlite3_file *f, int op, void *arg)
{
        return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
        return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_devchar(sqlite3_file *f)
{
        return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
        return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
        return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
        REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
        return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
        return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
        return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
        FaultFile *ff = (FaultFile *)file;
        int rc;

        ff->real = (sqlite3_file *)(ff + 1);
        rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
        ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
        return rc;
}

int sqlite_fault_install(void)
{
        sqlite3_mem_methods m;

        if (real_vfs)
                return 0;
        if (sqlite3_shutdown() != SQLITE_OK)
                return -EBUSY;
        if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK)
                return -EIO;
        m = real_mem;
        m.xMalloc = fault_malloc;
        m.xRealloc = fault_realloc;
        if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
                return -EIO;
        if (sqlite3_initialize() != SQLITE_OK)
                return -EIO;

        real_vfs = sqlite3_vfs_find(NULL);
        if (!real_vfs)
                return -ENOENT;
        fault_vfs = *real_vfs;
        fault_vfs.zName = "carrel-fault";
        fault_vfs.szOsFile = (int)sizeof(FaultFile) + real_vfs->szOsFile;
        fault_vfs.xOpen = v_open;
        fault_vfs.pNext = NULL;

        fault_io = (sqlite3_io_methods){
                .iVersion = 3,
                .xClose = f_close,
                .xRead = f_read,
                .xWrite = f_write,
                .xTruncate = f_truncate,
                .xSync = f_sync,
                .xFileSize = f_size,
                .xLock = f_lock,
                .xUnlock = f_unlock,
                .xCheckReservedLock = f_check_lock,
                .xFileControl = f_fcntl,
                .xSectorSize = f_sector,
                .xDeviceCharacteristics = f_devchar,
                .xShmMap = f_shm_map,
                .xShmLock = f_shm_lock,
                .xShmBarrier = f_shm_barrier,
                .xShmUnmap = f_shm_unmap,
                .xFetch = f_fetch,
                .xUnfetch = f_unfetch,
        };
        return sqlite3_vfs_register(&fault_vfs, 1) == SQLITE_OK ? 0 : -EIO;
}
