/* writeback.c - a helper thread that starts the kernel's writeback of a file (writeback.h). */
#define _GNU_SOURCE /* sync_file_range */
#include "writeback.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)

#include <errno.h>
#include <pthread.h>
#include <time.h>

/*
 * How often the helper asks. The disk of the development machine writes about 3 GB/s, an import
 * dirties about 0.4 GB/s: any period up to a few hundred milliseconds keeps the backlog small.
 */
#define PERIOD_NS (50 * 1000 * 1000L)

struct kam_writeback {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	int fd;
};

static void deadline_after(struct timespec *t, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static void *writeback_main(void *arg)
{
	kam_writeback *wb = arg;
	pthread_mutex_lock(&wb->lock);
	while (!wb->stop) {
		struct timespec until;
		deadline_after(&until, PERIOD_NS);
		while (!wb->stop &&
		       pthread_cond_timedwait(&wb->wake, &wb->lock, &until) != ETIMEDOUT)
			;
		if (wb->stop)
			break;
		pthread_mutex_unlock(&wb->lock);
		/* Errors are the commit's to report: its fdatasync sees them too. */
		(void)sync_file_range(wb->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		pthread_mutex_lock(&wb->lock);
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

kam_writeback *kam_writeback_start(int fd)
{
	kam_writeback *wb = calloc(1, sizeof(*wb));
	pthread_condattr_t attr;
	if (!wb)
		return NULL;
	wb->fd = fd;
	if (pthread_condattr_init(&attr)) {
		free(wb);
		return NULL;
	}
	bool ok = !pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) &&
		  !pthread_cond_init(&wb->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!ok) {
		free(wb);
		return NULL;
	}
	pthread_mutex_init(&wb->lock, NULL);
	if (pthread_create(&wb->thread, NULL, writeback_main, wb)) {
		pthread_cond_destroy(&wb->wake);
		pthread_mutex_destroy(&wb->lock);
		free(wb);
		return NULL;
	}
	return wb;
}

void kam_writeback_stop(kam_writeback *wb)
{
	if (!wb)
		return;
	pthread_mutex_lock(&wb->lock);
	wb->stop = true;
	pthread_cond_signal(&wb->wake);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->wake);
	pthread_mutex_destroy(&wb->lock);
	free(wb);
}

#else

kam_writeback *kam_writeback_start(int fd)
{
	(void)fd;
	return NULL;
}

void kam_writeback_stop(kam_writeback *wb)
{
	(void)wb;
}

#endif
