"""The C declarations this binding uses, and the loading of the libraries.

cffi ABI mode: nothing is compiled; the declarations below must match the
layout of include/tally/*.h for the ABI named by ``ABI`` (the libraries'
soname carries major.minor, and a minor version may change the ABI while
the major version is 0). tests/test_layout.py compares every struct's size
and offsets with the C compiler's.
"""
import ctypes.util
import os

import cffi

ABI = "0.8"

CDEF = """
typedef struct tally_engine tally_engine;
typedef struct tally_batch tally_batch;
typedef struct tally_snapshot tally_snapshot;
typedef struct tally_allocator tally_allocator;
typedef struct tally_corr tally_corr;
typedef struct tally_cache tally_cache;
typedef struct tally_sarif_states tally_sarif_states;
typedef struct tally_sarif_diff tally_sarif_diff;

/* common.h */
const char *tally_version(void);
const char *tally_kernels_active(void);
const char *tally_strerror(int code);
int tally_status_family(int code);

typedef struct tally_error {
    int status;
    uint64_t offset;
    char message[512];
} tally_error;

typedef enum tally_level {
    TALLY_LEVEL_NONE = 0, TALLY_LEVEL_NOTE = 1,
    TALLY_LEVEL_WARNING = 2, TALLY_LEVEL_ERROR = 3,
} tally_level;

/* engine.h */
typedef struct tally_config {
    size_t struct_size;
    unsigned workers;
    unsigned batch_capacity;
    unsigned max_inflight;
    unsigned flags;
    const tally_allocator *allocator;
    unsigned snapshot_interval_ms;
    void (*on_snapshot)(const tally_snapshot *s, void *arg);
    void *on_snapshot_arg;
    unsigned min_level;
    const char *path_glob;
    uint64_t expected_unique;
} tally_config;

typedef enum tally_strkind {
    TALLY_STR_TOOL = 0, TALLY_STR_RULE = 1,
    TALLY_STR_FILE = 2, TALLY_STR_MESSAGE = 3,
} tally_strkind;

int tally_engine_create(tally_engine **out, const tally_config *cfg);
void tally_engine_destroy(tally_engine *e);
int tally_engine_flush(tally_engine *e);
unsigned tally_engine_workers(const tally_engine *e);
int tally_engine_tool_intern(tally_engine *e, const char *name,
    size_t name_len, const char *version, size_t version_len, uint32_t *id);
int tally_engine_string_intern(tally_engine *e, tally_strkind kind,
    const char *s, size_t len, uint32_t *id);
const char *tally_engine_string_lookup(const tally_engine *e,
    tally_strkind kind, uint32_t id, size_t *len);
const char *tally_engine_tool_version(const tally_engine *e, uint32_t id,
    size_t *len);
uint32_t tally_engine_string_count(const tally_engine *e, tally_strkind kind);

/* batch.h */
typedef struct tally_violation {
    uint32_t tool;
    uint32_t rule;
    uint32_t file;
    uint32_t message;
    uint32_t line;
    uint32_t column;
    uint64_t offset;
    uint8_t level;
    uint8_t flags;
} tally_violation;

typedef struct tally_columns {
    const uint32_t *tool;
    const uint32_t *rule;
    const uint32_t *file;
    const uint32_t *message;
    const uint32_t *line;
    const uint32_t *column;
    const uint64_t *offset;
    const uint8_t *level;
    const uint8_t *flags;
} tally_columns;

int tally_batch_acquire(tally_engine *e, tally_batch **out);
int tally_batch_append(tally_batch *b, const tally_violation *v);
int tally_batch_append_columns(tally_batch *b, const tally_columns *c,
    uint32_t n);
uint32_t tally_batch_count(const tally_batch *b);
uint32_t tally_batch_capacity(const tally_batch *b);
int tally_batch_submit(tally_engine *e, tally_batch *b);
void tally_batch_discard(tally_engine *e, tally_batch *b);

/* snapshot.h */
typedef struct tally_totals {
    uint64_t read;
    uint64_t unique;
    uint64_t duplicates;
    uint64_t suppressed;
} tally_totals;

typedef enum tally_dim {
    TALLY_DIM_TOOL = 0, TALLY_DIM_RULE = 1,
    TALLY_DIM_FILE = 2, TALLY_DIM_FILE_RULE = 3,
} tally_dim;

typedef enum tally_order { TALLY_ORDER_ID = 0, TALLY_ORDER_COUNT = 1 } tally_order;

typedef struct tally_group {
    uint64_t count;
    uint32_t tool;
    uint32_t rule;
    uint32_t file;
} tally_group;

int tally_snapshot_acquire(tally_engine *e, tally_snapshot **out);
uint64_t tally_snapshot_seq(const tally_snapshot *s);
void tally_snapshot_release(tally_snapshot *s);
void tally_snapshot_totals(const tally_snapshot *s, tally_totals *out);
uint64_t tally_snapshot_level(const tally_snapshot *s, tally_level level);
size_t tally_snapshot_group_count(const tally_snapshot *s, tally_dim dim);
int tally_snapshot_groups(const tally_snapshot *s, tally_dim dim,
    tally_order order, tally_group *out, size_t cap, size_t *n);

/* sarif.h (libtally_formats) */
typedef struct tally_sarif_options {
    size_t struct_size;
    void (*progress)(void *arg, uint64_t done, uint64_t total);
    void *progress_arg;
    tally_corr *corr;
    tally_cache *cache;
    bool include_suppressed;
    void (*warning)(void *arg, uint64_t offset, const char *message);
    void *warning_arg;
    tally_sarif_states *states;
    uint64_t max_input_bytes;
    const char *input_format;
} tally_sarif_options;

typedef struct tally_sarif_report {
    uint64_t results;
    uint64_t runs;
    uint64_t bytes;
    uint64_t warnings;
    tally_error error;
} tally_sarif_report;

const char *tally_sarif_input_format_name(unsigned i);
int tally_sarif_read_file(tally_engine *e, const char *path,
    const tally_sarif_options *opt, tally_sarif_report *rep);
int tally_sarif_read_buffer(tally_engine *e, const void *buf, size_t len,
    const tally_sarif_options *opt, tally_sarif_report *rep);

typedef enum tally_baseline {
    TALLY_BASELINE_NEW = 0, TALLY_BASELINE_UNCHANGED = 1,
    TALLY_BASELINE_UPDATED = 2, TALLY_BASELINE_ABSENT = 3,
} tally_baseline;

typedef struct tally_sarif_diff_entry {
    tally_violation v;
    tally_baseline state;
    tally_violation base;
    uint64_t index;
} tally_sarif_diff_entry;

const char *tally_sarif_baseline_name(tally_baseline b);
int tally_sarif_diff_create(tally_engine *e, const char *baseline,
    const char *current, const tally_sarif_options *opt,
    tally_sarif_diff **out, tally_sarif_report rep[2]);
const tally_sarif_diff_entry *tally_sarif_diff_entries(
    const tally_sarif_diff *d, size_t *n);
uint64_t tally_sarif_diff_count(const tally_sarif_diff *d, tally_baseline b);
uint64_t tally_sarif_diff_suppressed(const tally_sarif_diff *d);
void tally_sarif_diff_destroy(tally_sarif_diff *d);

/* corr.h (libtally_formats) */
typedef struct tally_corr_config {
    size_t struct_size;
    uint32_t window;
    const char *root;
} tally_corr_config;

typedef struct tally_corr_result {
    const char *tool;
    const char *rule;
    const char *path;
    const char *message;
    uint32_t line;
    uint32_t column;
    tally_level level;
} tally_corr_result;

typedef struct tally_corr_cluster {
    const char *path;
    uint32_t first_line;
    uint32_t last_line;
    uint32_t size;
    uint32_t ntools;
    const uint32_t *tools;
    const tally_corr_result *members;
    uint32_t cwe;
} tally_corr_cluster;

int tally_corr_create(const tally_corr_config *cfg,
    const tally_allocator *alloc, tally_corr **out);
void tally_corr_destroy(tally_corr *c);
int tally_corr_compute(tally_corr *c);
const tally_corr_cluster *tally_corr_clusters(const tally_corr *c, size_t *n);
const char *const *tally_corr_tools(const tally_corr *c, size_t *n);
uint64_t tally_corr_agreement(const tally_corr *c, size_t a, size_t b);
uint64_t tally_corr_categorized(const tally_corr *c, size_t t);
"""

ffi = cffi.FFI()
ffi.cdef(CDEF)


# libtally links jemalloc statically, whose thread-local state is
# initial-exec TLS (about 2.6 KiB): more than glibc keeps spare for
# libraries loaded after start-up, so the loader must be told before the
# interpreter starts.
STATIC_TLS_HINT = ("libtally needs more static TLS than glibc spares for dlopen(); start "
                   "Python with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096 in "
                   "the environment")


def _candidates(stem):
    """Where to look for lib<stem>, in order (see _open)."""
    soname = "lib%s.so.%s" % (stem, ABI)
    env = os.environ.get("TALLY_LIBRARY_DIR")
    if env:
        return [os.path.join(env, soname), os.path.join(env, "lib%s.so" % stem)]
    found = ctypes.util.find_library(stem)
    return [soname] + ([found] if found and found != soname else [])


def _open(stem):
    """dlopen lib<stem>: from $TALLY_LIBRARY_DIR when set (and only there),
    else by its soname through the dynamic loader's search path, else the
    name ctypes.util.find_library() gives."""
    errors = []
    for name in _candidates(stem):
        try:
            return ffi.dlopen(name)
        except OSError as exc:
            errors.append("%s: %s" % (name, exc))
    hint = STATIC_TLS_HINT if any("static TLS" in e for e in errors) else \
        "set TALLY_LIBRARY_DIR to the directory holding it"
    raise ImportError("tally: cannot load lib%s (ABI %s); %s.\n  %s"
                      % (stem, ABI, hint, "\n  ".join(errors)))


# The engine first: libtally_formats needs libtally.so.ABI, which the
# loader then finds already loaded (by soname).
lib = _open("tally")
formats = _open("tally_formats")

_version = ffi.string(lib.tally_version()).decode()
if not _version.startswith(ABI + "."):
    raise ImportError("tally: loaded libtally %s, but this binding is for %s.x"
                      % (_version, ABI))

U64_MAX = 2**64 - 1
