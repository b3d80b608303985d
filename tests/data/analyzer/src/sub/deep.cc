void g(const char *msg)
{
	fprintf(stderr, msg);
	char *t = tmpnam(0);
}
