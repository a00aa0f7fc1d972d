#include "adapters/sql/wal_write_gathering.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace tr::sql {
namespace {

sqlite3_vfs* g_parent = nullptr;  // the wrapped VFS; set once, before any use
sqlite3_vfs g_vfs{};

// Our part of an open file. The wrapped VFS's file lives right after it, in
// the same block SQLite allocates (szOsFile covers both).
struct GatheringFile {
  sqlite3_file base;     // base.pMethods is one of our two method tables
  sqlite3_file* real;    // the wrapped VFS's file
  char* gathered;        // bytes written but not yet handed to the kernel
  std::size_t length;    // how many
  std::size_t capacity;  // of `gathered`
  sqlite3_int64 offset;  // where in the file gathered[0] belongs
  bool commit_follows;   // the last write was a commit frame's header
};

// A WAL frame's header (https://www.sqlite.org/fileformat2.html#walformat):
// SQLite writes it alone, before the page. Bytes 4-7 (big-endian) are the
// database size after a commit in a commit frame, and zero in every other.
constexpr int kFrameHeaderSize = 24;

bool is_commit_frame_header(const void* data, int amount) {
  if (amount != kFrameHeaderSize) return false;
  const auto* b = static_cast<const unsigned char*>(data);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

// SQLite's unix VFS takes writes shorter than 128 KiB only (it keeps the
// low 17 bits of the length), so a long run goes out in parts of this size.
constexpr std::size_t kLargestWrite = 124 * 1024;

constexpr std::size_t kHeaderSize = (sizeof(GatheringFile) + 15) & ~std::size_t{15};

GatheringFile* as_gathering(sqlite3_file* f) { return reinterpret_cast<GatheringFile*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return as_gathering(f)->real; }
const sqlite3_io_methods& real_methods(sqlite3_file* f) { return *real_of(f)->pMethods; }

// Hands the gathered bytes to the wrapped file. On failure they are dropped
// and the error goes to the caller: SQLite then fails the sync or read it was
// doing, and with it the transaction.
int flush(sqlite3_file* f) {
  GatheringFile* g = as_gathering(f);
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < g->length && rc == SQLITE_OK;) {
    const std::size_t part = std::min(g->length - done, kLargestWrite);
    rc = real_methods(f).xWrite(g->real, g->gathered + done, static_cast<int>(part),
                                g->offset + static_cast<sqlite3_int64>(done));
    done += part;
  }
  g->length = 0;
  return rc;
}

// Room for `more` bytes after the gathered ones, or false (too long to gather).
bool reserve(GatheringFile* g, std::size_t more) {
  const std::size_t needed = g->length + more;
  if (needed > kMaxGathered) return false;
  if (needed <= g->capacity) return true;
  std::size_t grown = g->capacity ? g->capacity : 64 * 1024;
  while (grown < needed) grown *= 2;
  if (grown > kMaxGathered) grown = kMaxGathered;
  auto* bigger = static_cast<char*>(std::realloc(g->gathered, grown));
  if (!bigger) return false;
  g->gathered = bigger;
  g->capacity = grown;
  return true;
}

// --- WAL files: writes gathered --------------------------------------------

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  GatheringFile* g = as_gathering(f);
  const bool commit_page = g->commit_follows;
  g->commit_follows = is_commit_frame_header(data, amount);
  const auto bytes = static_cast<std::size_t>(amount);
  const bool continues =
      g->length > 0 && offset == g->offset + static_cast<sqlite3_int64>(g->length);
  if (!continues || !reserve(g, bytes)) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    g->offset = offset;
    if (!reserve(g, bytes)) return real_methods(f).xWrite(g->real, data, amount, offset);
  }
  std::memcpy(g->gathered + g->length, data, bytes);
  g->length += bytes;
  // After the commit frame's page the transaction is whole: into the file with it.
  return commit_page ? flush(f) : SQLITE_OK;
}

int wal_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_methods(f).xRead(real_of(f), out, amount, offset);
}

int wal_sync(sqlite3_file* f, int flags) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_methods(f).xSync(real_of(f), flags);
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_methods(f).xTruncate(real_of(f), size);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_methods(f).xFileSize(real_of(f), size);
}

int wal_close(sqlite3_file* f) {
  GatheringFile* g = as_gathering(f);
  const int flushed = flush(f);
  const int closed = real_methods(f).xClose(g->real);
  std::free(g->gathered);
  g->gathered = nullptr;
  g->capacity = 0;
  return flushed != SQLITE_OK ? flushed : closed;
}

// --- every file: the rest passes through --------------------------------------

int pass_close(sqlite3_file* f) { return real_methods(f).xClose(real_of(f)); }
int pass_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real_methods(f).xRead(real_of(f), out, amount, offset);
}
int pass_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return real_methods(f).xWrite(real_of(f), data, amount, offset);
}
int pass_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_methods(f).xTruncate(real_of(f), size);
}
int pass_sync(sqlite3_file* f, int flags) { return real_methods(f).xSync(real_of(f), flags); }
int pass_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_methods(f).xFileSize(real_of(f), size);
}
int pass_lock(sqlite3_file* f, int level) { return real_methods(f).xLock(real_of(f), level); }
int pass_unlock(sqlite3_file* f, int level) { return real_methods(f).xUnlock(real_of(f), level); }
int pass_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(f).xCheckReservedLock(real_of(f), out);
}
int pass_file_control(sqlite3_file* f, int op, void* arg) {
  return real_methods(f).xFileControl(real_of(f), op, arg);
}
int pass_sector_size(sqlite3_file* f) { return real_methods(f).xSectorSize(real_of(f)); }
int pass_device_characteristics(sqlite3_file* f) {
  return real_methods(f).xDeviceCharacteristics(real_of(f));
}
int pass_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (real_methods(f).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return real_methods(f).xShmMap(real_of(f), region, size, extend, out);
}
int pass_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (real_methods(f).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return real_methods(f).xShmLock(real_of(f), offset, n, flags);
}
void pass_shm_barrier(sqlite3_file* f) {
  if (real_methods(f).iVersion >= 2) real_methods(f).xShmBarrier(real_of(f));
}
int pass_shm_unmap(sqlite3_file* f, int remove) {
  if (real_methods(f).iVersion < 2) return SQLITE_OK;
  return real_methods(f).xShmUnmap(real_of(f), remove);
}
int pass_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  if (real_methods(f).iVersion < 3) {
    *out = nullptr;  // no memory map: SQLite reads instead
    return SQLITE_OK;
  }
  return real_methods(f).xFetch(real_of(f), offset, amount, out);
}
int pass_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  if (real_methods(f).iVersion < 3) return SQLITE_OK;
  return real_methods(f).xUnfetch(real_of(f), offset, page);
}

constexpr sqlite3_io_methods kPassThrough = {
    .iVersion = 3,
    .xClose = pass_close,
    .xRead = pass_read,
    .xWrite = pass_write,
    .xTruncate = pass_truncate,
    .xSync = pass_sync,
    .xFileSize = pass_file_size,
    .xLock = pass_lock,
    .xUnlock = pass_unlock,
    .xCheckReservedLock = pass_check_reserved_lock,
    .xFileControl = pass_file_control,
    .xSectorSize = pass_sector_size,
    .xDeviceCharacteristics = pass_device_characteristics,
    .xShmMap = pass_shm_map,
    .xShmLock = pass_shm_lock,
    .xShmBarrier = pass_shm_barrier,
    .xShmUnmap = pass_shm_unmap,
    .xFetch = pass_fetch,
    .xUnfetch = pass_unfetch,
};

// WAL files: the same, with their writes gathered.
constexpr sqlite3_io_methods gathering(sqlite3_io_methods m) {
  m.xClose = wal_close;
  m.xRead = wal_read;
  m.xWrite = wal_write;
  m.xTruncate = wal_truncate;
  m.xSync = wal_sync;
  m.xFileSize = wal_file_size;
  return m;
}
constexpr sqlite3_io_methods kWal = gathering(kPassThrough);

// --- the VFS -------------------------------------------------------------------

int vfs_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  GatheringFile* g = as_gathering(file);
  g->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderSize);
  g->real->pMethods = nullptr;
  g->gathered = nullptr;
  g->length = g->capacity = 0;
  g->offset = 0;
  g->commit_follows = false;
  const int rc = g_parent->xOpen(g_parent, name, g->real, flags, out_flags);
  // Once the wrapped file has methods, SQLite must close it through ours.
  if (g->real->pMethods) {
    g->base.pMethods = (flags & SQLITE_OPEN_WAL) ? &kWal : &kPassThrough;
  } else {
    g->base.pMethods = nullptr;
  }
  return rc;
}

int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_parent->xDelete(g_parent, name, sync_dir);
}
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_parent->xAccess(g_parent, name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_parent->xFullPathname(g_parent, name, size, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) { return g_parent->xDlOpen(g_parent, name); }
void vfs_dl_error(sqlite3_vfs*, int size, char* out) { g_parent->xDlError(g_parent, size, out); }
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_parent->xDlSym(g_parent, handle, symbol);
}
void vfs_dl_close(sqlite3_vfs*, void* handle) { g_parent->xDlClose(g_parent, handle); }
int vfs_randomness(sqlite3_vfs*, int size, char* out) {
  return g_parent->xRandomness(g_parent, size, out);
}
int vfs_sleep(sqlite3_vfs*, int micros) { return g_parent->xSleep(g_parent, micros); }
int vfs_current_time(sqlite3_vfs*, double* out) { return g_parent->xCurrentTime(g_parent, out); }
int vfs_get_last_error(sqlite3_vfs*, int size, char* out) {
  return g_parent->xGetLastError ? g_parent->xGetLastError(g_parent, size, out) : 0;
}
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_parent->xCurrentTimeInt64(g_parent, out);
}

}  // namespace

void install_wal_write_gathering() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_parent = sqlite3_vfs_find(nullptr);
    if (!g_parent || g_parent->iVersion < 2) throw std::runtime_error("SQLite has no usable VFS");
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(kHeaderSize) + g_parent->szOsFile;
    g_vfs.mxPathname = g_parent->mxPathname;
    g_vfs.zName = "task-reporter-wal-gathering";
    g_vfs.xOpen = vfs_open;
    g_vfs.xDelete = vfs_delete;
    g_vfs.xAccess = vfs_access;
    g_vfs.xFullPathname = vfs_full_pathname;
    g_vfs.xDlOpen = vfs_dl_open;
    g_vfs.xDlError = vfs_dl_error;
    g_vfs.xDlSym = vfs_dl_sym;
    g_vfs.xDlClose = vfs_dl_close;
    g_vfs.xRandomness = vfs_randomness;
    g_vfs.xSleep = vfs_sleep;
    g_vfs.xCurrentTime = vfs_current_time;
    g_vfs.xGetLastError = vfs_get_last_error;
    g_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
    if (sqlite3_vfs_register(&g_vfs, /*makeDflt=*/1) != SQLITE_OK) {
      throw std::runtime_error("cannot register the WAL write-gathering VFS");
    }
  });
}

sqlite3_vfs* wal_write_gathering_vfs() { return g_parent ? &g_vfs : nullptr; }

}  // namespace tr::sql
