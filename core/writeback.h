/* writeback.h - having the kernel write a file's dirty pages to disk while a long write goes on. */
#ifndef KAM_WRITEBACK_H
#define KAM_WRITEBACK_H

/*
 * A large write transaction (an import of a whole book) leaves LMDB's pages in the page cache,
 * and the kernel starts writing them to disk only when dirty pages reach a tenth or so of memory
 * or are half a minute old. On a machine with plenty of memory that is never during an import,
 * so the commit's fdatasync wrote the whole database at the end, with everything else finished.
 *
 * kam_writeback_start starts a helper thread that asks the kernel, every few tens of
 * milliseconds, to start writing the file's dirty pages back (Linux sync_file_range with
 * SYNC_FILE_RANGE_WRITE, which does not wait for the disk). It changes when data reaches the disk,
 * not what is durable: the commit still syncs before it writes its meta page. The thread runs the
 * file system's side of the writeback (block allocation, I/O submission) off the writer thread.
 *
 * Returns NULL when that is not available (not Linux, no thread): nothing changes then but the
 * length of the final fdatasync. kam_writeback_stop(NULL) does nothing.
 */
typedef struct kam_writeback kam_writeback;

kam_writeback *kam_writeback_start(int fd);
/* Stops and joins the helper; returns once it no longer touches fd. */
void kam_writeback_stop(kam_writeback *wb);

#endif
