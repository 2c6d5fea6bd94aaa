/* cli_models.c - what the commands that run models share: the configuration, store and registry. */
#include "cli.h"

#include "config.h"
#include "date.h"
#include "plugin.h"
#include "segment.h"

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

void cli_run_summary(const char *who, const kam_segment_run *run, bool dry_run,
		     const char *counts)
{
	char day[KAM_DATE_BUFSZ];
	kam_date_format((kam_date){ run->info.as_of, KAM_NO_TIME }, day);
	if (dry_run)
		fprintf(stderr, "kam: %s: dry run, nothing stored: ", who);
	else
		fprintf(stderr, "kam: %s: snapshot %llu: ", who, (unsigned long long)run->info.id);
	fprintf(stderr, "%s %s as of %s, %zu accounts (%s) in %zu region%s:", run->info.model,
		run->info.model_version, day, run->out.count, counts, run->info.nregions,
		run->info.nregions == 1 ? "" : "s");
	for (size_t k = 0; k < run->info.nregions && k < 8; k++)
		fprintf(stderr, " %s", *run->info.regions[k] ? run->info.regions[k] : "(none)");
	if (run->info.nregions > 8)
		fprintf(stderr, " ...");
	fputc('\n', stderr);
}
