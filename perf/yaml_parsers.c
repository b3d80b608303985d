/*
 * perf/yaml_parsers.c - how fast the two YAML parsers Debian ships walk a
 * file's events, with nothing done per event: the ceiling of tally's
 * clang-tidy reader (libyaml) and of the alternative (libfyaml).
 *
 *   apt-get install libyaml-dev libfyaml-dev
 *   cc -O2 -o /tmp/yaml_parsers perf/yaml_parsers.c \
 *       $(pkg-config --cflags --libs yaml-0.1 libfyaml)
 *   zcat ../shared/corpus/curl/clang-tidy-export-fixes.yaml.gz >/tmp/t.yaml
 *   /tmp/yaml_parsers /tmp/t.yaml
 *
 * Prints, for 3 rounds, the events and MB/s of each, alternating.
 */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long
libyaml_events(const char *b, size_t n)
{
	yaml_parser_t p;
	yaml_event_t e;
	long ev = 0;
	int end = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)b, n);
	while (!end && yaml_parser_parse(&p, &e)) {
		ev++;
		end = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	return end ? ev : -1;
}

static long
libfyaml_events(const char *b, size_t n)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
	struct fy_parser *p = fy_parser_create(&cfg);
	struct fy_event *e;
	long ev = 0;

	fy_parser_set_string(p, b, n);
	while ((e = fy_parser_parse(p)) != NULL) {
		size_t len;

		ev++;
		if (e->type == FYET_SCALAR)
			(void)fy_token_get_text(e->scalar.value, &len);
		fy_parser_event_free(p, e);
	}
	fy_parser_destroy(p);
	return ev;
}

int
main(int argc, char **argv)
{
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	char *b;
	long n;

	if (f == NULL) {
		fprintf(stderr, "usage: yaml_parsers FILE.yaml\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if ((b = malloc((size_t)n)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n)
		return 2;
	fclose(f);
	for (int r = 0; r < 3; r++) {
		double t0 = now(), t1, t2;
		long a = libyaml_events(b, (size_t)n), c;

		t1 = now();
		c = libfyaml_events(b, (size_t)n);
		t2 = now();
		printf("libyaml %ld events %.1f MB/s | libfyaml %ld events "
		    "%.1f MB/s\n", a, (double)n / (t1 - t0) / 1e6, c,
		    (double)n / (t2 - t1) / 1e6);
	}
	free(b);
	return 0;
}
