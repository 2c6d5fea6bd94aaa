/* cli_models.c - what the commands that run models share: the configuration, store and registry. */
#include "cli.h"

#include "config.h"
#include "plugin.h"

int cli_models_registry(const char *who, const kam_config *cfg, kam_registry **reg)
{
	char err[512];
	if (kam_registry_new(reg))
		return cli_fail("%s: out of memory", who);
	if (cli_load_models(*reg, cfg, err, sizeof(err))) {
		kam_registry_free(*reg);
		*reg = NULL;
		return cli_fail("%s: %s", who, err);
	}
	return 0;
}

int cli_models_open_mode(cli *c, const char *who, const char *config, unsigned flags,
			 kam_config *cfg, kam_store **store, kam_registry **reg)
{
	char err[512];
	*store = NULL;
	*reg = NULL;
	if (kam_config_load(config, c->db, cfg, err, sizeof(err)))
		return cli_fail("%s: %s", who, err);
	int rc = cli_open(c, flags, store);
	if (!rc)
		rc = cli_models_registry(who, cfg, reg);
	if (rc)
		cli_models_close(cfg, *store, *reg);
	return rc;
}

int cli_models_open(cli *c, const char *who, const char *config, kam_config *cfg,
		    kam_store **store, kam_registry **reg)
{
	return cli_models_open_mode(c, who, config, KAM_STORE_RDONLY, cfg, store, reg);
}

void cli_models_close(kam_config *cfg, kam_store *store, kam_registry *reg)
{
	kam_registry_free(reg);
	kam_store_close(store);
	kam_config_free(cfg);
}
