extern char *strcpy (char *__restrict __dest, const char *__restrict __src);
extern int printf (const char *__restrict __format, ...);
#define sprintf(b, f) my_sprintf(b, f)
static char *copy(char *d, const char *s)
{
	return strcpy(d, s);
}
char *p = gets(buf);
