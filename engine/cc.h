/*
 * engine/cc.h - compiler macros and the atomic wrapper types (internal).
 *
 * Shared atomic fields are wrapped in a one-member struct so that a plain
 * read or write does not compile; every access goes through an accessor
 * that names its memory order (jemalloc's JEMALLOC_GENERATE_ATOMICS idea).
 */
#ifndef TALLY_ENGINE_CC_H
#define TALLY_ENGINE_CC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef TALLY_CACHELINE
#define TALLY_CACHELINE 64
#endif

#define TALLY_CC_INLINE static inline
#define TALLY_CC_FORCE_INLINE static inline __attribute__((always_inline))
#define TALLY_CC_LIKELY(x) __builtin_expect(!!(x), 1)
#define TALLY_CC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TALLY_CC_ALIGNED(n) _Alignas(n)
#define TALLY_CC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Debug checks are always compiled and cost nothing in release builds
 * (jemalloc's config_debug): the optimiser drops `if (0)` bodies, but they
 * still have to type-check, so they cannot rot. Release builds do not
 * evaluate an assert's expression, so it must have no side effects; it
 * reads a shared atomic through an accessor with an explicit order, like
 * any other code. An assert that checks an invariant a file's opening
 * comment numbers says which ("invariant 2").
 */
#ifdef TALLY_DEBUG
static const bool tallyi_config_debug = true;
#else
static const bool tallyi_config_debug = false;
#endif

void tallyi_assert_fail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

#define TALLY_ASSERT(e)                                                    \
	do {                                                               \
		if (tallyi_config_debug && TALLY_CC_UNLIKELY(!(e)))        \
			tallyi_assert_fail(#e, __FILE__, __LINE__);        \
	} while (0)

/*
 * A defensive branch on something that cannot happen (SQLite's ALWAYS and
 * NEVER): `if (TALLY_NEVER(x)) recover;`. Debug builds fail as
 * TALLY_ASSERT does; release builds yield the condition, so the recovery
 * still runs there. @e is evaluated exactly once in every build.
 */
#define TALLY_ALWAYS(e)                                                    \
	(TALLY_CC_LIKELY(e) ? true : tallyi_config_debug ?                 \
	    (tallyi_assert_fail("ALWAYS(" #e ")", __FILE__, __LINE__),      \
	    false) : false)
#define TALLY_NEVER(e)                                                     \
	(TALLY_CC_UNLIKELY(e) ? tallyi_config_debug ?                      \
	    (tallyi_assert_fail("NEVER(" #e ")", __FILE__, __LINE__),       \
	    true) : true : false)

/* Memory orders, spelled once. */
#define TALLY_RELAXED memory_order_relaxed
#define TALLY_ACQUIRE memory_order_acquire
#define TALLY_RELEASE memory_order_release
#define TALLY_ACQ_REL memory_order_acq_rel

#define TALLY_SEQ_CST memory_order_seq_cst

typedef struct { _Atomic uint32_t v; } tallyi_atomic_u32;
typedef struct { _Atomic uint64_t v; } tallyi_atomic_u64;
typedef struct { _Atomic int64_t v; } tallyi_atomic_i64;
typedef struct { _Atomic int v; } tallyi_atomic_int;
typedef struct { void *_Atomic v; } tallyi_atomic_ptr;

#define TALLYI_ATOMIC_OPS(name, wrap, type)                                    \
	TALLY_CC_FORCE_INLINE type tallyi_load_##name(const wrap *a,           \
	    memory_order mo)                                                   \
	{                                                                      \
		/* The cast drops const: a load does not write. */          \
		return atomic_load_explicit(                                   \
		    (__typeof__(((wrap *)0)->v) *)&a->v, mo);                  \
	}                                                                      \
	TALLY_CC_FORCE_INLINE void tallyi_store_##name(wrap *a, type x,        \
	    memory_order mo)                                                   \
	{                                                                      \
		atomic_store_explicit(&a->v, x, mo);                           \
	}

/* Read-modify-write operations; the CAS is strong and relaxed on failure. */
#define TALLYI_ATOMIC_RMW(name, wrap, type)                                    \
	TALLY_CC_FORCE_INLINE type tallyi_fetch_add_##name(wrap *a, type x,    \
	    memory_order mo)                                                   \
	{                                                                      \
		return atomic_fetch_add_explicit(&a->v, x, mo);                \
	}                                                                      \
	TALLY_CC_FORCE_INLINE type tallyi_fetch_sub_##name(wrap *a, type x,    \
	    memory_order mo)                                                   \
	{                                                                      \
		return atomic_fetch_sub_explicit(&a->v, x, mo);                \
	}                                                                      \
	TALLY_CC_FORCE_INLINE type tallyi_fetch_or_##name(wrap *a, type x,     \
	    memory_order mo)                                                   \
	{                                                                      \
		return atomic_fetch_or_explicit(&a->v, x, mo);                 \
	}                                                                      \
	TALLY_CC_FORCE_INLINE bool tallyi_cas_##name(wrap *a, type *expected,  \
	    type desired, memory_order mo)                                     \
	{                                                                      \
		return atomic_compare_exchange_strong_explicit(&a->v,          \
		    expected, desired, mo, TALLY_RELAXED);                     \
	}

TALLYI_ATOMIC_OPS(u32, tallyi_atomic_u32, uint32_t)
TALLYI_ATOMIC_OPS(u64, tallyi_atomic_u64, uint64_t)
TALLYI_ATOMIC_OPS(i64, tallyi_atomic_i64, int64_t)
TALLYI_ATOMIC_OPS(int, tallyi_atomic_int, int)
TALLYI_ATOMIC_OPS(ptr, tallyi_atomic_ptr, void *)
TALLYI_ATOMIC_RMW(u32, tallyi_atomic_u32, uint32_t)
TALLYI_ATOMIC_RMW(u64, tallyi_atomic_u64, uint64_t)
TALLYI_ATOMIC_RMW(i64, tallyi_atomic_i64, int64_t)

/* A full fence, for the store-then-load (Dekker) handshakes. */
#define tallyi_fence_seq_cst() atomic_thread_fence(memory_order_seq_cst)

/* Spin-wait hint. */
TALLY_CC_FORCE_INLINE void
tallyi_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

TALLY_CC_FORCE_INLINE bool
tallyi_cas_ptr(tallyi_atomic_ptr *a, void **expected, void *desired,
    memory_order mo)
{
	return atomic_compare_exchange_strong_explicit(&a->v, expected,
	    desired, mo, TALLY_RELAXED);
}

TALLY_CC_FORCE_INLINE void *
tallyi_exchange_ptr(tallyi_atomic_ptr *a, void *x, memory_order mo)
{
	return atomic_exchange_explicit(&a->v, x, mo);
}

TALLY_CC_FORCE_INLINE uint64_t
tallyi_fetch_xor_u64(tallyi_atomic_u64 *a, uint64_t x, memory_order mo)
{
	return atomic_fetch_xor_explicit(&a->v, x, mo);
}

TALLY_CC_FORCE_INLINE bool
tallyi_cas_int(tallyi_atomic_int *a, int *expected, int desired,
    memory_order mo)
{
	return atomic_compare_exchange_strong_explicit(&a->v, expected,
	    desired, mo, TALLY_RELAXED);
}

/*
 * ThreadSanitizer does not see the ordering liburcu's grace periods give
 * (urcu-memb waits with membarrier, which TSan does not model): a read
 * section's end releases on a sync address and a wait for a grace period
 * acquires it, which is what the grace period guarantees. No code in
 * other builds.
 */
#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define tallyi_tsan_release(a) __tsan_release((void *)(a))
#define tallyi_tsan_acquire(a) __tsan_acquire((void *)(a))
#else
#define tallyi_tsan_release(a) ((void)(a))
#define tallyi_tsan_acquire(a) ((void)(a))
#endif

#endif /* TALLY_ENGINE_CC_H */
