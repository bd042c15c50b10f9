#include "symbolize/source_crate.h"

#include <string.h>

/* A release as cargo names its directory: MAJOR.MINOR.PATCH, then maybe
 * "-pre" or "+build" (v: its first byte, end: the directory's end). */
static bool is_version(const char *v, const char *end)
{
	for (int part = 0; part < 3; part++) {
		const char *digits = v;

		while (v < end && *v >= '0' && *v <= '9')
			v++;
		if (v == digits || (part < 2 && (v == end || *v++ != '.')))
			return false;
	}
	return v == end || *v == '-' || *v == '+';
}

/* The crate whose source directory ends at `dir_end` (the "/src/" after
 * it): "<crate>-<version>", or a bare "<crate>" when bare_ok (git). */
static bool crate_of_dir(const char *file, const char *dir_end, bool bare_ok, char *crate,
			 size_t size)
{
	const char *dir = dir_end, *dash;
	size_t len;

	while (dir > file && dir[-1] != '/')
		dir--;
	for (dash = dir_end; dash > dir && !(dash[-1] == '-' && is_version(dash, dir_end));)
		dash--;
	if (dash > dir)
		len = dash - 1 - dir;
	else if (bare_ok)
		len = dir_end - dir;
	else
		return false;
	if (!len || len >= size)
		return false;
	memcpy(crate, dir, len);
	crate[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (crate[i] == '-')
			crate[i] = '_';
	return true;
}

void source_crates__init(struct source_crates *it, const char *file)
{
	it->file = file;
	it->at = file ? strstr(file, "/src/") : NULL;
	it->git = file && strstr(file, "/git/checkouts/") != NULL;
}

bool source_crates__next(struct source_crates *it, char *crate, size_t size)
{
	while (it->at) {
		const char *src = it->at;

		it->at = strstr(src + 1, "/src/");
		if (crate_of_dir(it->file, src, it->git, crate, size))
			return true;
	}
	return false;
}
