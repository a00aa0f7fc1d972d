#pragma once
// WAL write gathering: a SQLite VFS, wrapped around the default one, that
// gathers what SQLite writes to a WAL file for one transaction and hands it
// to the kernel in a few large writes (124 KiB each, just under the most the
// unix VFS writes at once).
//
// Why: SQLite writes a commit to the WAL as two writes per page (the frame
// header, then the page) and then syncs. On the virtual machines factories
// run us on, each write costs microseconds in the kernel: a group commit of
// 200 messages dirties about 200 pages, so 400 system calls, which were the
// largest part of the committer's time. Gathered, they are seven.
//
// Nothing else changes. A transaction's frames are written as soon as its
// commit frame is (the frame header says which one it is), before SQLite
// syncs the file and before it publishes the commit to other connections in
// the shared-memory index; so a commit is on disk when SQLite's sync returns,
// as before, and other connections never read a frame still gathered. The
// gathered bytes are also written before any read of the file, sync,
// truncation, size question or close, and whenever the next write does not
// continue the gathered run (the WAL is rewritten from its start after a
// checkpoint, and a transaction may write a page twice). Other files (the database, journals, the shared-memory
// index) pass straight through to the wrapped VFS.
//
// A connection keeps its gathering buffer between commits (it grows to the
// largest transaction it has written, up to kMaxGathered; beyond that the
// run is written and a new one starts).
#include <cstddef>

struct sqlite3_vfs;

namespace tr::sql {

inline constexpr std::size_t kMaxGathered = 8 * 1024 * 1024;

// Makes the gathering VFS SQLite's default, wrapping the previous default.
// Once per process (later calls do nothing), before the first connection
// opens: connections opened before keep the VFS they had.
void install_wal_write_gathering();

// The installed VFS (for tests: its name, and opening files through it).
sqlite3_vfs* wal_write_gathering_vfs();

}  // namespace tr::sql
