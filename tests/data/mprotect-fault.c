/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mprotect-fault.c - the workload behind the mprotect-fault-* fixtures
 * (see README.md): two threads read every page of a file mapping whose
 * page cache was dropped (posix_fadvise DONTNEED), so faults wait for
 * I/O, while a third thread keeps mprotect()ing the first 64 pages,
 * which takes mmap_lock for writing.
 *
 * cc -O2 -pthread -o mprotect-fault mprotect-fault.c
 * ./mprotect-fault FILE [MB]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static char *map;
static size_t len, pagesz;
static volatile int done;

static void *reader(void *arg)
{
	size_t start = (size_t)arg;
	volatile char sum = 0;

	for (size_t off = start * pagesz; off < len; off += 2 * pagesz)
		sum += map[off];
	return NULL;
}

static void *protector(void *arg)
{
	(void)arg;
	while (!done) {
		mprotect(map, 64 * pagesz, PROT_READ | PROT_WRITE);
		mprotect(map, 64 * pagesz, PROT_READ);
		usleep(200);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 2 ? strtoul(argv[2], NULL, 0) : 8;
	pthread_t r[2], p;
	char buf[4096] = { 1 };
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [MB]\n", argv[0]);
		return 2;
	}
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	len = mb << 20;
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (size_t off = 0; off < len; off += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			return 1;
		}
	fsync(fd);
	posix_fadvise(fd, 0, (off_t)len, POSIX_FADV_DONTNEED);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	pthread_create(&p, NULL, protector, NULL);
	for (size_t i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, reader, (void *)i);
	for (size_t i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	done = 1;
	pthread_join(p, NULL);
	munmap(map, len);
	close(fd);
	unlink(argv[1]);
	return 0;
}
