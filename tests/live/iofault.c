/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iofault.c - a test workload for the live record tests (stand-in until
 * `vmlockstat workload iofault` lands): faulting threads read a file that
 * was evicted from the page cache through a MADV_RANDOM mapping (one page
 * per major fault, no readahead) while another thread loops mprotect() on
 * the last pages of the same mapping.
 *
 *   iofault FILE PAGES [FAULTERS]
 *
 * Prints "map=0xSTART-0xEND" (the file mapping) and one line per faulting
 * thread: "tid=T majflt=M minflt=N pages=P", the getrusage(RUSAGE_THREAD)
 * deltas over its touching loop (which touches only the mapping).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPROTECT_PAGES 4

static char *map;
static long pages, psz;
static int faulters;
static atomic_int running;
static atomic_int done;

static void *mprotector(void *arg)
{
	char *tail = map + (pages - MPROTECT_PAGES) * psz;

	(void)arg;
	while (atomic_load(&done) < faulters) {
		mprotect(tail, MPROTECT_PAGES * psz, PROT_NONE);
		mprotect(tail, MPROTECT_PAGES * psz, PROT_READ);
		usleep(200);
	}
	return NULL;
}

static void *faulter(void *arg)
{
	long idx = (long)arg, n = pages - MPROTECT_PAGES;
	unsigned int seed = (unsigned int)idx * 7919u + 1;
	struct rusage a, b;
	long *order = malloc(sizeof(long) * (size_t)n);
	volatile char sink = 0;
	long mine = 0;

	for (long i = 0; i < n; i++)
		order[i] = i;
	for (long i = n - 1; i > 0; i--) {
		long j = rand_r(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	atomic_fetch_add(&running, 1);
	getrusage(RUSAGE_THREAD, &a);
	/* Faulter k touches the pages p with p % faulters == k. */
	for (long i = 0; i < n; i++)
		if (order[i] % faulters == idx) {
			sink += map[order[i] * psz];
			mine++;
		}
	getrusage(RUSAGE_THREAD, &b);
	printf("tid=%ld majflt=%ld minflt=%ld pages=%ld\n", (long)syscall(SYS_gettid),
	       b.ru_majflt - a.ru_majflt, b.ru_minflt - a.ru_minflt, mine);
	fflush(stdout);
	atomic_fetch_add(&done, 1);
	free(order);
	return NULL;
}

static int make_file(const char *path)
{
	char *buf = calloc(1, (size_t)psz);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || !buf)
		return -1;
	for (long i = 0; i < pages; i++) {
		memset(buf, (int)(i & 0xff) | 1, (size_t)psz);
		if (write(fd, buf, (size_t)psz) != psz)
			return -1;
	}
	free(buf);
	/* Written back, then dropped: every first touch is a major fault. */
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	pthread_t mp, th[64];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: iofault FILE PAGES [FAULTERS]\n");
		return 2;
	}
	psz = sysconf(_SC_PAGESIZE);
	pages = atol(argv[2]);
	faulters = argc > 3 ? atoi(argv[3]) : 1;
	if (pages <= MPROTECT_PAGES || faulters < 1 || faulters > 64)
		return 2;
	fd = make_file(argv[1]);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	map = mmap(NULL, (size_t)(pages * psz), PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || madvise(map, (size_t)(pages * psz), MADV_RANDOM)) {
		perror("mmap");
		return 1;
	}
	printf("map=%p-%p\n", (void *)map, (void *)(map + pages * psz));
	fflush(stdout);
	pthread_create(&mp, NULL, mprotector, NULL);
	for (long i = 0; i < faulters; i++)
		pthread_create(&th[i], NULL, faulter, (void *)i);
	for (int i = 0; i < faulters; i++)
		pthread_join(th[i], NULL);
	pthread_join(mp, NULL);
	munmap(map, (size_t)(pages * psz));
	close(fd);
	unlink(argv[1]);
	return 0;
}
