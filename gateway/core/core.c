/*
 * The event base, the name resolver and the one clock of the gateway:
 * every layer schedules on these, so they sit at the bottom.
 */
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "core/core.h"

struct event_base	*ev_base;
struct evdns_base	*dns_base;
time_t			 start_time;
struct core_counters	 counters;

/* Make the event base and the resolver; -1 if libevent cannot. */
int
core_init(void)
{
	start_time = time(NULL);
	if ((ev_base = event_base_new()) == NULL)
		return -1;
	dns_base = evdns_base_new(ev_base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (dns_base == NULL) {
		log_warnx("no name servers configured: using /etc/hosts and "
		    "numeric addresses only");
		dns_base = evdns_base_new(ev_base,
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (dns_base == NULL)
			return -1;
		evdns_base_load_hosts(dns_base, NULL);
	}
	return 0;
}

/* Free the resolver and the base (after the loop ended). */
void
core_free(void)
{
	if (dns_base != NULL)
		evdns_base_free(dns_base, 1);
	if (ev_base != NULL)
		event_base_free(ev_base);
	dns_base = NULL;
	ev_base = NULL;
}

/* Milliseconds on a clock that does not jump. */
long long
core_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock milliseconds since the epoch (message times). */
long long
core_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Seconds on a clock that does not jump, the coarse one: read per line
 * (silence detection), where a few milliseconds do not matter.
 */
time_t
core_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* (Re)arm a timer event for ms milliseconds. */
void
core_timer_ms(struct event *ev, long long ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	event_add(ev, &tv);
}
