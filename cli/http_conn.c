/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_conn.c - the clock on request headers, and room for new clients.
 *
 * libmicrohttpd's connection timeout is an idle timeout: every byte
 * received restarts it, so a client that sends one header byte every few
 * seconds holds its connection for ever (slowloris). And its connection
 * caps count connections, not requests: on loopback every client is the
 * same address, so a few hundred such clients take every slot and the
 * dashboard is refused to everyone else.
 *
 * Here each connection is "waiting" from the moment it is accepted (or
 * its previous response was sent, on a kept-alive connection) until its
 * request headers are complete. Waiting connections are kept in a list,
 * oldest first, and
 *
 *   - one still waiting HTTP_HEADERS_S seconds after it began is shut
 *     down, whatever it sends meanwhile (a watchdog thread, 4 times a
 *     second);
 *   - when more than HTTP_WAITING_MAX connections wait, the oldest is
 *     shut down to make room: slow clients cannot take the slots that
 *     working ones need.
 *
 * A connection is cut with shutdown(2) only: libmicrohttpd then sees the
 * end of its stream, closes the socket itself and reports it closed
 * (http_conns_closed()), which takes the connection out under the same
 * lock, before the descriptor is closed: the watchdog never touches a
 * descriptor number that was reused.
 *
 * Nothing here knows libmicrohttpd: http_server.c calls these functions
 * from its notification callbacks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"

#define TICK_MS 250

struct http_conn {
	struct http_conn *prev, *next;   /* in the waiting list */
	int fd;
	bool waiting;
	uint64_t deadline_ms;            /* CLOCK_MONOTONIC */
};

struct http_conns {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	struct http_conn *head, *tail;   /* waiting, by deadline */
	unsigned int nwaiting;
	unsigned long cut_deadline, cut_reserve;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The list, under w->lock. Deadlines are now + a constant, so appending
 * keeps it sorted. */
static void wait_start(struct http_conns *w, struct http_conn *c)
{
	c->deadline_ms = now_ms() + HTTP_HEADERS_S * 1000;
	c->waiting = true;
	c->next = NULL;
	c->prev = w->tail;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->nwaiting++;
}

static void wait_end(struct http_conns *w, struct http_conn *c)
{
	if (!c->waiting)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->tail = c->prev;
	c->prev = c->next = NULL;
	c->waiting = false;
	w->nwaiting--;
}

/* Off the list and shut down; libmicrohttpd closes it on its next turn. */
static void cut(struct http_conns *w, struct http_conn *c)
{
	wait_end(w, c);
	shutdown(c->fd, SHUT_RDWR);
}

static void *watchdog(void *data)
{
	struct http_conns *w = data;
	struct timespec ts;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		uint64_t now = now_ms();

		while (w->head && w->head->deadline_ms <= now) {
			cut(w, w->head);
			w->cut_deadline++;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int http_conns_start(struct http_conns **out)
{
	struct http_conns *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;

	if (!w)
		return -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&w->thread, NULL, watchdog, w)) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void http_conns_stop(struct http_conns *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct http_conn *http_conns_opened(struct http_conns *w, int fd)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;   /* not watched: the idle timeout still holds */
	c->fd = fd;
	pthread_mutex_lock(&w->lock);
	wait_start(w, c);
	while (w->nwaiting > HTTP_WAITING_MAX && w->head != c) {
		cut(w, w->head);
		w->cut_reserve++;
	}
	pthread_mutex_unlock(&w->lock);
	return c;
}

void http_conns_headers(struct http_conns *w, struct http_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	wait_end(w, c);
	pthread_mutex_unlock(&w->lock);
}

void http_conns_idle(struct http_conns *w, struct http_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	wait_end(w, c);
	wait_start(w, c);
	pthread_mutex_unlock(&w->lock);
}

void http_conns_counts(struct http_conns *w, unsigned long *deadline,
		       unsigned long *reserve)
{
	pthread_mutex_lock(&w->lock);
	*deadline = w->cut_deadline;
	*reserve = w->cut_reserve;
	pthread_mutex_unlock(&w->lock);
}

void http_conns_closed(struct http_conns *w, struct http_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	wait_end(w, c);
	pthread_mutex_unlock(&w->lock);
	free(c);
}
