/*
 * text.h - kam_text helpers shared by the plugins (compiled into each; hidden, not exported).
 */
#ifndef KAM_PLUGIN_TEXT_H
#define KAM_PLUGIN_TEXT_H

#include <kam/plugin.h>

/* Whether t is exactly the C string s. */
int text_is(kam_text t, const char *s);
/* Bytewise order of two texts; a proper prefix sorts first. */
int text_cmp(kam_text a, kam_text b);
/* The index of `t` in names[0..n), or -1. */
int text_pick(kam_text t, const char *const *names, int n);
/*
 * Reads text parameter `name`, which must be one of names[0..n), into *out (its index);
 * `expect` lists them for the message logged when it is not. Returns 0, KAM_EINVAL or the
 * host's code.
 */
int text_param(const kam_host *host, kam_run *run, const char *name, const char *const *names,
	       int n, const char *expect, int *out);
/*
 * A name the model gives for every account (a factor, an action, a slug), as the host's own
 * copy when the host has one to give (ABI 1.2 intern), which it then takes without reading it
 * again; else `name` itself.
 */
const char *text_host_name(const kam_host *host, kam_run *run, const char *name);

#endif
