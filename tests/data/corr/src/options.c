/* A lookup that may fail, and a caller that forgets to check. */
#include <stddef.h>
#include <string.h>

struct option {
	const char *name;
	int value;
};

static struct option options[] = {
	{ "verbose", 0 },
	{ "jobs", 1 },
};

int
option_value(const char *name)
{
	struct option *o = NULL;

	for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++)
		if (strcmp(options[k].name, name) == 0)
			o = &options[k];
	return o->value;
}
