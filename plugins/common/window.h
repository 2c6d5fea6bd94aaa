/*
 * window.h - the order window of a model: its `as_of` (DATE) and `window_days` (INTEGER)
 * parameters (plugins/README.md, "The window").
 */
#ifndef KAM_PLUGIN_WINDOW_H
#define KAM_PLUGIN_WINDOW_H

#include <kam/plugin.h>

#include <stdint.h>

/*
 * Reads as_of (the run's day when the parameter is not given) and window_days (at least 1):
 * the window is *from..*as_of, both ends included. Logs and returns the host's code or
 * KAM_EINVAL on a bad parameter; 0 otherwise.
 */
int window_read(const kam_host *host, kam_run *run, int32_t *as_of, int32_t *from);

/*
 * The sum of the amounts (profit: of the profits) of orders o[0..count) of the account with
 * this id, in exact money. Logs "account ID: WHAT overflows 64 bits" and returns KAM_ERANGE when
 * it would not fit; 0 otherwise.
 */
int orders_sum(const kam_host *host, kam_run *run, kam_text id, const kam_order_view *o,
	       size_t count, int profit, const char *what, int64_t *sum);

#endif
