build/tests/test_json: tests/unit/test_json.c formats/ota_json.h \
 formats/ota_err.h formats/ota_limits.h formats/ota_util.h \
 tests/unit/testutil.h
formats/ota_json.h:
formats/ota_err.h:
formats/ota_limits.h:
formats/ota_util.h:
tests/unit/testutil.h:
