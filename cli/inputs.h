/*
 * cli/inputs.h - reading a command's input logs in order, each failure
 * reported on stderr, with progress as --progress and --no-progress say.
 */
#ifndef TALLY_CLI_INPUTS_H
#define TALLY_CLI_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/opts.h"
#include "tally.h"

/* Reads one input: into an engine (summary) or into a merge (merge). */
typedef int inputs_reader(void *arg, const char *path,
    const tally_sarif_options *so, tally_sarif_report *rep);

/* The warnings of one input (tally_sarif_options.warning), in order. */
typedef struct input_warnings {
	uint64_t *offset;        /* UINT64_MAX: not at one place */
	char **message;
	size_t n, cap;
} input_warnings;

/* What reading the inputs found. */
typedef struct inputs {
	char **paths;
	size_t n;
	tally_sarif_report *rep; /* rep[i]: what reading paths[i] found */
	input_warnings *warn;    /* warn[i]: what paths[i] was forgiven */
	size_t failed;           /* inputs that could not be read */
	uint64_t bytes;          /* bytes of all the inputs */
	uint64_t largest;        /* bytes of the largest */
} inputs;

/*
 * Read the operands of @o into @in, in order, with @read(@arg, ...) and
 * the reader options @so (NULL for the defaults) plus progress as
 * o->progress says: -1 shown when stderr is a terminal and the inputs
 * exceed 64 MiB, 0 never, 1 always. @live, when not NULL, is the engine
 * whose counts so far the progress line shows. Each input's warnings are
 * kept in in->warn, and with o->verbose also printed on stderr; with
 * o->include_suppressed suppressed results are read as active; a
 * non-zero o->max_input_bytes bounds each input.
 * Return: EXIT_OK, or EXIT_USAGE when out of memory (reported; nothing
 * read). An input that cannot be read is reported and counted in
 * in->failed.
 */
int inputs_read(inputs *in, const cli_opts *o, tally_engine *live,
    const tally_sarif_options *so, inputs_reader *read, void *arg);

/*
 * inputs_read() into a new part (tally/part.h) of every good input, in
 * *@p (NULL when it could not be made: said on stderr, EXIT_USAGE). @cmd
 * names the command in errors.
 */
int inputs_pack(inputs *in, const cli_opts *o, const char *cmd,
    tally_part **p);

/* Free what inputs_read() allocated (a zeroed @in is fine). */
void inputs_free(inputs *in);

#endif /* TALLY_CLI_INPUTS_H */
