/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_custom.c — the custom backend: a program implementing RAUC's
 * custom-bootloader protocol, run without a shell:
 *
 *   PROG get-primary          prints the primary slot's bootname
 *   PROG set-primary X
 *   PROG get-state X          prints good or bad
 *   PROG set-state X good|bad
 *
 * Exit 0 is success; any other exit is OTA_E_BOOT with the first line of
 * the program's stderr in the message.  Output is one line (a trailing
 * newline and spaces are allowed); anything else is refused.  The program
 * owns its storage, so its exit status is its word for a write: there is no
 * read-back here.
 */
#include <stdlib.h>
#include <string.h>

#include "boot_int.h"

/* The program's stdout as one word in out[cap]: OTA_E_BOOT otherwise. */
static ota_err
one_word(const otac_boot *b, const char *verb, const otac_run_result *r, char *out, size_t cap,
         char *err)
{
    size_t s = 0, e = r->len;
    while (e > s && (r->out[e - 1] == '\n' || r->out[e - 1] == '\r' || r->out[e - 1] == ' ' ||
                     r->out[e - 1] == '\t'))
        e--;
    while (s < e && (r->out[s] == ' ' || r->out[s] == '\t'))
        s++;
    bool ok = e > s && e - s < cap;
    for (size_t i = s; ok && i < e; i++)
        ok = r->out[i] != '\n' && r->out[i] != '\0' && r->out[i] != ' ';
    if (!ok) {
        otac_boot_msg(err, "%s %s printed no single word", b->program, verb);
        return OTA_E_BOOT;
    }
    memcpy(out, r->out + s, e - s);
    out[e - s] = '\0';
    return OTA_OK;
}

static ota_err
cu_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    otac_boot *b = user;
    const char *argv[] = {b->program, "get-primary", NULL};
    otac_run_result r;
    char word[OTA_BOOT_NAME_MAX];
    if (bootname == NULL) {
        otac_boot_msg(err, "no bootname buffer");
        return OTA_E_ARG;
    }
    ota_err rc = otac_run_ok(argv, NULL, b->timeout_ms, true, &r, err);
    if (rc != OTA_OK)
        return rc;
    rc = one_word(b, "get-primary", &r, word, sizeof word, err);
    free(r.out);
    if (rc != OTA_OK)
        return rc;
    if (otac_boot_index(b, word) < 0) {
        otac_boot_msg(err, "%s get-primary printed \"%s\", which is no configured slot",
                      b->program, word);
        return OTA_E_BOOT;
    }
    memcpy(bootname, word, strlen(word) + 1);
    return OTA_OK;
}

static ota_err
cu_set_primary(void *user, const char *bootname, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    const char *argv[] = {b->program, "set-primary", bootname, NULL};
    otac_run_result r;
    return otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err);
}

static ota_err
cu_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    otac_boot *b = user;
    char word[8];
    otac_run_result r;
    ota_err rc = otac_boot_check_get(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    const char *argv[] = {b->program, "get-state", bootname, NULL};
    if ((rc = otac_run_ok(argv, NULL, b->timeout_ms, true, &r, err)) != OTA_OK)
        return rc;
    rc = one_word(b, "get-state", &r, word, sizeof word, err);
    free(r.out);
    if (rc != OTA_OK)
        return rc;
    if (strcmp(word, "good") == 0) {
        *state = OTA_SLOT_GOOD;
    } else if (strcmp(word, "bad") == 0) {
        *state = OTA_SLOT_BAD;
    } else {
        otac_boot_msg(err, "%s get-state %s printed \"%s\", not good or bad", b->program,
                      bootname, word);
        return OTA_E_BOOT;
    }
    return OTA_OK;
}

static ota_err
cu_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_set(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    const char *argv[] = {b->program, "set-state", bootname,
                          state == OTA_SLOT_GOOD ? "good" : "bad", NULL};
    otac_run_result r;
    return otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err);
}

void
otac_boot_custom_ops(ota_boot_ops *ops)
{
    ops->get_primary = cu_get_primary;
    ops->set_primary = cu_set_primary;
    ops->get_state = cu_get_state;
    ops->set_state = cu_set_state;
}
