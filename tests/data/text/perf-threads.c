/* perf-threads.c - the perf fixture's program: four threads fault in pages
 * of anonymous mappings they create and unmap (mmap_lock read in the fault
 * path, write in mmap/munmap), while the main thread forks a child that
 * execs /bin/true. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 20
#define PAGES 16

static void *worker(void *arg)
{
	long page = sysconf(_SC_PAGESIZE);

	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		for (int i = 0; i < PAGES; i++)
			p[i * page] = 1;
		munmap(p, PAGES * page);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	pid_t pid;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}
