/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: signed device status reports (the server parses these from
 * anyone on the network). */
#include <stdint.h>

#include "ota_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ota_report r;
    (void) ota_report_parse(data, size, &r);
    return 0;
}
