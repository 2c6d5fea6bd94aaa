/*
 * account.h - one field of an account, as a model reads it: through the host's account_text and
 * account_number (ABI 1.3), which a model that omits the views (KAM_OMIT_VIEWS) must use, or
 * from the account's view on an older host. Compiled into each plugin; hidden, not exported.
 */
#ifndef KAM_PLUGIN_ACCOUNT_H
#define KAM_PLUGIN_ACCOUNT_H

#include <kam/plugin.h>

#include <stddef.h>
#include <stdint.h>

/*
 * A text field (KAM_FIELD_ID .. KAM_FIELD_OWNER) into *out, empty (len 0) when the account has
 * none, as in a view. Returns 0, or the host's code (KAM_EINVAL for a bad index).
 */
int account_text(const kam_host *host, kam_run *run, size_t index, int field, kam_text *out);
/*
 * A number field (KAM_FIELD_CHANNEL .. KAM_FIELD_CREATED) into *out, with the view's value
 * for none (0; KAM_NO_DAY for created). Returns 0, or the host's code.
 */
int account_number(const kam_host *host, kam_run *run, size_t index, int field, int64_t *out);

#endif
