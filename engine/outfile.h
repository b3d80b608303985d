/*
 * engine/outfile.h - an output file that never destroys what was there
 * (internal; the merge and the command line write through it).
 *
 * A report replaces a regular file only once it is complete, keeps that
 * file's mode (and, as root, its owner), writes through a symlink instead
 * of replacing the link, and writes into a device or FIFO instead of
 * replacing the node: `-o /dev/null` as root must not turn /dev/null into
 * a regular file. Open it only after every input has been read, so that a
 * command whose output names one of its inputs reads that input whole
 * first.
 */
#ifndef TALLY_ENGINE_OUTFILE_H
#define TALLY_ENGINE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/alloc.h"

/*
 * @f is the stream to write; the rest is the outfile's. @path must stay
 * valid until commit or abort.
 */
typedef struct tallyi_outfile {
	FILE *f;
	const char *path;   /* as given: every message names it */
	tallyi_mem mem;
	char *target;       /* the resolved target the temporary replaces */
	char *tmp;          /* the temporary, or NULL: written directly */
	size_t target_size, tmp_size;
	bool is_stdout;
} tallyi_outfile;

/*
 * Open for writing @path ("-" is standard output). Regular or absent
 * target: a new file beside the (symlink-resolved) target, named
 * ".<base>.tally-tmp.<pid>.<n>", created O_EXCL with the target's mode
 * (0666 & ~umask when new), renamed over it by commit. Symlink: written
 * through (the link stays; a dangling one creates its target), unless
 * another user planted it in a sticky world-writable directory (EACCES,
 * as the kernel's fs.protected_symlinks). Non-regular
 * target (character or block device, FIFO): opened and written directly;
 * a FIFO blocks until a reader opens it. Directory: error.
 * Return: TALLY_OK, TALLY_EIO with @err saying "<path>: <why>", or
 * TALLY_ENOMEM (@mem refused the paths).
 */
int tallyi_outfile_open(tallyi_outfile *o, const char *path,
    const tallyi_mem *mem, tally_error *err);

/*
 * Flush, check every write (ENOSPC, EIO, EPIPE), close, rename into place.
 * On any failure: the temporary is removed, the target is as it was,
 * TALLY_EIO with "<path>: <why>". Either way @o is finished.
 */
int tallyi_outfile_commit(tallyi_outfile *o, tally_error *err);

/* Abandon: remove the temporary, leave the target as it was. */
void tallyi_outfile_abort(tallyi_outfile *o);

#endif /* TALLY_ENGINE_OUTFILE_H */
