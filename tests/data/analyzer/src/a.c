#include <stdio.h>
#include <string.h>
/* TODO: check the length first */
extern char *strcpy(char *d, const char *s);
int f(char *d, const char *s, char *fmt)
{
	strcpy(d, s); // FIXME later
	printf(fmt);
	printf("%s", fmt);
	fprintf(stderr, fmt, 1);
	sprintf(d, "x %s", s);
	/* strcpy(d, s) in a comment */
	puts("strcpy(d, s) in a string");
	snprintf(d, 4, fmt);
	snprintf(d, 4, "%s", fmt);
	printf(_("hello %s"), s);
	printf(FORMAT_MACRO, 1);
	gets(d);
	return system("ls");
}
