/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_err.h — forwards to the error enum's public home, ota/err.h in
 * client/include (libotaclient's headers stand alone there).  The relative
 * path works whatever -I the including program is built with.
 */
#include "../client/include/ota/err.h"
