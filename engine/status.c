/*
 * engine/status.c - version, status strings, level names.
 */
#include <string.h>

#include "tally/common.h"
#include "kernels/kernels.h"

const char *
tally_version(void)
{
	return TALLY_VERSION_STRING;
}

int
tally_status_family(int code)
{
	if (code >= 0)
		return code;
	return -((-code) & 0xff);
}

const char *
tally_strerror(int code)
{
	switch (code) {
	case TALLY_OK: return "success";
	case TALLY_EINVAL: return "invalid argument";
	case TALLY_ENOMEM: return "out of memory";
	case TALLY_EAGAIN: return "would wait: too many batches in flight";
	case TALLY_EFULL: return "batch is full";
	case TALLY_ERANGE: return "id or value out of range";
	case TALLY_ESTATE: return "engine is failed or shutting down";
	case TALLY_ECANCELED: return "task group was cancelled";
	case TALLY_ETIMEDOUT: return "timed out";
	case TALLY_ENOTFOUND: return "not found";
	case TALLY_EIO: return "input could not be read";
	case TALLY_EIO_NOENT: return "no such file";
	case TALLY_EIO_ISDIR: return "is a directory";
	case TALLY_EIO_TOOBIG: return "input larger than the size limit";
	case TALLY_EIO_CHANGED: return "input changed while it was read";
	case TALLY_EIO_NOTREG: return "not a regular file";
	case TALLY_EPARSE: return "malformed JSON";
	case TALLY_EPARSE_EMPTY: return "empty input";
	case TALLY_EPARSE_TRUNCATED: return "truncated JSON";
	case TALLY_EPARSE_UTF8: return "invalid UTF-8";
	case TALLY_EFORMAT: return "not a SARIF 2.1.0 log";
	case TALLY_EFORMAT_VERSION: return "not SARIF version 2.1.0";
	case TALLY_EFORMAT_TYPE: return "SARIF property of the wrong type";
	case TALLY_EFORMAT_MISSING: return "required SARIF property missing";
	case TALLY_EFORMAT_VALUE: return "SARIF property value out of range";
	default: return "unknown error";
	}
}

static const char *const level_names[TALLY_LEVEL_COUNT] = {
	"none", "note", "warning", "error",
};

const char *
tally_level_name(tally_level level)
{
	if ((unsigned)level >= TALLY_LEVEL_COUNT)
		return NULL;
	return level_names[level];
}

int
tally_level_parse(const char *s, size_t len, tally_level *out)
{
	for (unsigned l = 0; l < TALLY_LEVEL_COUNT; l++) {
		if (strlen(level_names[l]) == len &&
		    memcmp(level_names[l], s, len) == 0) {
			*out = (tally_level)l;
			return TALLY_OK;
		}
	}
	return TALLY_EINVAL;
}

const char *
tally_kernels_active(void)
{
	return tallyk_isa_name(tallyk_kernels()->isa);
}
