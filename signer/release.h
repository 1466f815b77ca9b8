/* SPDX-License-Identifier: Apache-2.0 */
/*
 * release.h — the release policy ota-sign writes (formats/RELEASE.md):
 * custom.ota_release of a bundle target and ota_policy.floors in the
 * top-level targets role.  Shared by add, release, floor and status; the
 * definitions live in cmd_release.c.  Reading a policy (its validity, its
 * values, a floor) is formats/ota_release.h's, shared with the client and
 * ota-server; this is the writer's side.
 */
#ifndef OTA_SIGN_RELEASE_H
#define OTA_SIGN_RELEASE_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ota_release.h"

/* --channel and --rollout, shared by add and release: append to a
 * command's getopt_long table, hand each result to release_opt. */
enum { OPT_CHANNEL = 0x280, OPT_ROLLOUT };
#define RELEASE_OPTIONS                                                                            \
    {"channel", required_argument, NULL, OPT_CHANNEL},                                             \
        {"rollout", required_argument, NULL, OPT_ROLLOUT}

/* 1 handled (into *channels / *rollout), 0 not ours, -1 error (printed). */
int release_opt(int c, const char *arg, json_t **channels, int *rollout);

/* Add the comma-separated channel names in arg to the array *list
 * (created on first use), keeping it sorted and without duplicates.
 * Returns SX_OK or SX_USAGE (message printed). */
int release_parse_channels(const char *arg, json_t **list);

/* An integer 0..100, digits only.  SX_OK or SX_USAGE (message printed). */
int release_parse_rollout(const char *arg, int *out);

/* A complete ota_release object (channels NULL: ["stable"]); NULL on OOM. */
json_t *release_new(const json_t *channels, int rollout, bool downgrade);

/* One line for humans: "channels beta,stable, rollout 25 %, downgrade no";
 * an absent policy reads as the defaults, an invalid one as "invalid: WHY".
 * malloc'd; NULL on OOM. */
char *release_describe(const json_t *rel);

#endif
