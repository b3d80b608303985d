/*
 * engine/futex.h - sleeping on a 32-bit word (internal, Linux).
 *
 * The pool parks idle workers, and callers wait for flushes, room and task
 * groups, on futexes: a waiter sleeps only while the word still holds the
 * value it last read, so a wake-up that comes between its check and its
 * sleep is never lost (the kernel compares and sleeps atomically). Process-
 * private futexes are keyed by address alone; FUTEX_WAKE never reads the
 * word, which is what lets a task group's last task wake a waiter whose
 * group may already be gone (see pool.c, invariant 6).
 */
#ifndef TALLY_ENGINE_FUTEX_H
#define TALLY_ENGINE_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/cc.h"

/*
 * Sleep while *@w == @val, for at most @ns nanoseconds (0: no limit).
 * Returns on a wake-up, a changed value, a timeout or a signal; callers
 * re-check their condition in a loop.
 */
TALLY_CC_INLINE void
tallyi_futex_wait(tallyi_atomic_u32 *w, uint32_t val, long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	(void)syscall(SYS_futex, (void *)&w->v, FUTEX_WAIT_PRIVATE, val,
	    ns != 0 ? &ts : NULL, NULL, 0);
}

/* Wake up to @n waiters of @w (INT_MAX: all). @w may already be freed. */
TALLY_CC_INLINE void
tallyi_futex_wake(tallyi_atomic_u32 *w, int n)
{
	(void)syscall(SYS_futex, (void *)&w->v, FUTEX_WAKE_PRIVATE, n, NULL,
	    NULL, 0);
}

#endif /* TALLY_ENGINE_FUTEX_H */
