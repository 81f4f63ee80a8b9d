// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stand-in for libFuzzer's main() where clang has no fuzzer runtime
 * (Debian: libclang-rt-14-dev missing): runs LLVMFuzzerTestOneInput once
 * over every file named, or every file in a directory named, so the
 * seeds and any saved crash still replay under ASan and UBSan (gcc).
 * Arguments starting with '-' are libFuzzer options and are ignored.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	/* Inputs are small (seeds, crashes): grow the buffer as it reads. */
	for (;;) {
		uint8_t *nb = realloc(buf, len + 4096);

		if (!nb) {
			fclose(f);
			free(buf);
			return -1;
		}
		buf = nb;
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned long *runs)
{
	struct dirent *e;
	struct stat st;
	char sub[4096];
	DIR *d;
	int err = 0;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*runs)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) || !S_ISREG(st.st_mode))
			continue;
		(*runs)++;
		err |= run_file(sub);
	}
	closedir(d);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long runs = 0;
	int i, err = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		err |= run_path(argv[i], &runs);
	}
	fprintf(stderr, "driver: %lu inputs run\n", runs);
	return err ? 1 : 0;
}
