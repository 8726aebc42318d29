/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c - run a fuzz target's LLVMFuzzerTestOneInput() on files, without
 * libFuzzer (any compiler): how the regression inputs of fuzz/regressions/
 * are replayed by ctest. Usage: replay FILE|DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return perror(path), 1;
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return perror(path), 1;
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int ran = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char p[4096];

		if (stat(argv[i], &st))
			return perror(argv[i]), 1;
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			ran++;
			continue;
		}
		if (!(d = opendir(argv[i])))
			return perror(argv[i]), 1;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
			if (run_file(p))
				return 1;
			ran++;
		}
		closedir(d);
	}
	printf("%d inputs replayed\n", ran);
	return 0;
}
