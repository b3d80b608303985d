/*
 * tests/hostile/cache_forge.c - forge a persistent cache entry as someone
 * who can write the cache directory could (for tests/hostile/cache.sh):
 * change its value and write a checksum that matches, which a plain hash
 * allows (engine/cache_disk.c, the trust model).
 *
 *   cache_forge ENTRY from OTHER   ENTRY's value becomes OTHER's (another
 *                                  input's results under ENTRY's key)
 *   cache_forge ENTRY spoil TEXT   the first TEXT in ENTRY's value starts
 *                                  with byte 0xe0 instead (invalid UTF-8)
 *
 * The file is rewritten in place (owner and mode kept). Exit status: 0
 * forged, 1 could not (printed), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define HEADER 40 /* magic 8, key 16, length 8, checksum 8 */
#define MAX (64u << 20)

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(MAX);

	if (f == NULL || p == NULL) {
		fprintf(stderr, "cache_forge: %s: cannot open\n", path);
		exit(1);
	}
	*len = fread(p, 1, MAX, f);
	fclose(f);
	if (*len < HEADER || memcmp(p, "TALLYC1\n", 8) != 0) {
		fprintf(stderr, "cache_forge: %s: not a cache entry\n", path);
		exit(1);
	}
	return p;
}

static void
put_u64(unsigned char *p, unsigned long long v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int
main(int argc, char **argv)
{
	size_t len, olen;
	unsigned char *e, *o;
	XXH3_state_t st;
	FILE *f;

	if (argc != 4 || (strcmp(argv[2], "from") != 0 &&
	    strcmp(argv[2], "spoil") != 0)) {
		fprintf(stderr, "usage: cache_forge ENTRY from OTHER | "
		    "cache_forge ENTRY spoil TEXT\n");
		return 2;
	}
	e = slurp(argv[1], &len);
	if (strcmp(argv[2], "from") == 0) {
		o = slurp(argv[3], &olen);
		memcpy(o + 8, e + 8, 16); /* the key stays ENTRY's */
		free(e);
		e = o;
		len = olen;
	} else {
		unsigned char *at = memmem(e + HEADER, len - HEADER, argv[3],
		    strlen(argv[3]));

		if (at == NULL || argv[3][0] == '\0') {
			fprintf(stderr, "cache_forge: %s: no '%s' in the "
			    "value\n", argv[1], argv[3]);
			return 1;
		}
		*at = 0xe0;
	}
	/* as engine/cache_disk.c checksum(): the key's 16 bytes, the value */
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, e + 8, 16);
	XXH3_64bits_update(&st, e + HEADER, len - HEADER);
	put_u64(e + 24, len - HEADER);
	put_u64(e + 32, XXH3_64bits_digest(&st));
	if ((f = fopen(argv[1], "r+b")) == NULL ||
	    fwrite(e, 1, len, f) != len || fflush(f) != 0 ||
	    ftruncate(fileno(f), (off_t)len) != 0 || fclose(f) != 0) {
		fprintf(stderr, "cache_forge: %s: cannot write\n", argv[1]);
		return 1;
	}
	free(e);
	return 0;
}
